// Where debvisord looks for the tools it runs (nft, zfs, zpool, virsh, rndc,
// ceph …), whatever environment started it: where systemd is not running the
// bus starts it with an empty one, and most of these tools live in sbin.
// Imported first by main.ts, so it is set before any tool is looked for.
export const SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

process.env.PATH = SEARCH_PATH;
