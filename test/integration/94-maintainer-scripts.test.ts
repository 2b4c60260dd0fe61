// The installed package's prerm where systemd is not PID 1: it stops the
// debvisord the bus started on this system, and leaves alone the debvisord of
// a container on the host (a systemd-nspawn node has its own PID namespace,
// yet its processes are in the host's process list too). It once stopped
// every process named debvisord: upgrading the host's package killed the
// daemons of the cluster test's three nodes.
//
// Run in a PID namespace of the test's own (unshare --mount-proc), so the
// harness's daemon is out of the script's sight: a stand-in "debvisord" (a
// copy of sleep, named so) for this system's, and one for a container's as the
// first process of a nested PID namespace.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import QUnit from "qunit";

const PRERM = "/var/lib/dpkg/info/debvisord.prerm";
const unavailable = fs.existsSync("/run/systemd/system") ? "systemd runs here: dh_installsystemd's code stops the unit instead"
    : !fs.existsSync(PRERM) ? "debvisord is not installed" : null;

/* Prints "own=alive|gone container=alive|gone" once the prerm ran with ARG in the namespace. */
const SCENARIO = `
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp /bin/sleep "$dir/debvisord"
# this system's, an orphan as the bus's daemon is (this namespace's first process, the shell, reaps it)
( "$dir/debvisord" 300 & echo $! >"$dir/own" )
own=$(cat "$dir/own")
unshare --pid --fork --mount-proc "$dir/debvisord" 300 &
holder=$!
container=""
for i in $(seq 50); do
    container=$(pgrep -P "$holder" -x debvisord || true)
    [ -n "$container" ] && break
    sleep 0.1
done
[ -n "$container" ] || { echo "the container's stand-in did not start"; exit 1; }
sh ${PRERM} "$1" >"$dir/said" 2>&1 || { echo "prerm $1 failed:"; cat "$dir/said"; exit 1; }
state() { [ "$(cat /proc/$1/comm 2>/dev/null)" = debvisord ] && echo alive || echo gone; }
echo "own=$(state "$own") container=$(state "$container")"
`;

QUnit.module.if(`maintainer scripts without systemd${unavailable ? ` (skipped: ${unavailable})` : ""}`, unavailable === null, () => {
    for (const arg of ["upgrade", "remove"]) {
        QUnit.test(`prerm ${arg} stops this system's debvisord and not a container's`, assert => {
            const r = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "sh", "-c", SCENARIO, "scenario", arg],
                { encoding: "utf8", timeout: 60_000 });
            assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
            assert.strictEqual(r.stdout.trim(), "own=gone container=alive", r.stderr);
        });
    }
});
