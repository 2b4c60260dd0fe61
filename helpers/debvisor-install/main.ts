/* debvisor-install: installs DebVisor from the live system onto a disk. */
console.error("debvisor-install: not ready yet");
process.exit(1);
