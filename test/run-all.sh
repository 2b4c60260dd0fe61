#!/bin/sh
# Every check: dependencies, type check and lint, the .debs, then two lanes
# at once (in series they took longer than CI allows; side by side they keep
# both cores busy, each lane waiting on daemons, guests and timers while the
# other computes):
#   this host:  unit, integration and browser tests against the freshly
#               installed packages (the harness's bus, polkitd, libvirtd, ...);
#   VM + nodes: the installer image built and installed in a VM, then
#               whole Debian nodes under systemd-nspawn (their own buses,
#               networks and daemons). The VM goes first: its guest runs
#               on about one core under TCG, which the host lane fills;
#               the cluster's three nodes, which use both, come last.
# The nodes lane's lines are prefixed with "nodes+vm | ". It fails when
# either lane fails; the summary at the end names which, and repeats every
# failed test with its reasons (a long run's log may be read by its end only).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
npm run check
npm run deb

mkdir -p build
lane_rc=build/nodes-lane.rc host_rc=build/host-lane.rc
lane_log=build/nodes-lane.log host_log=build/host-lane.log
rm -f "$lane_rc" "$host_rc" "$lane_log" "$host_log"
(
    set +e
    DEBVISOR_VM_DEBS_BUILT=1 npm run test:vm
    vm=$?
    # the nodes are tested even when the image failed: each says something of its own
    npx tsx test/run.ts nodes
    nodes=$?
    echo "$nodes $vm" > "$lane_rc"
) 2>&1 | sed -u 's/^/nodes+vm | /' | tee "$lane_log" &
lane=$!

(
    set +e
    npx tsx test/run.ts unit integration browser
    echo $? > "$host_rc"
) 2>&1 | tee "$host_log"
wait "$lane" || true

host=1 nodes=1 vm=1
[ -f "$host_rc" ] && read -r host < "$host_rc"
[ -f "$lane_rc" ] && read -r nodes vm < "$lane_rc"
if grep -q '^\(nodes+vm | \)\{0,1\}not ok' "$host_log" "$lane_log"; then
    echo "failed tests, with what each said:"
    grep -h -A8 '^\(nodes+vm | \)\{0,1\}not ok' "$host_log" "$lane_log" | grep -v '^\(nodes+vm | \)\{0,1\}ok ' || true
fi
echo "npm test: unit, integration and browser $( [ "$host" -eq 0 ] && echo passed || echo FAILED ); nodes $( [ "$nodes" -eq 0 ] && echo passed || echo FAILED ); VM $( [ "$vm" -eq 0 ] && echo passed || echo FAILED )"
[ "$host" -eq 0 ] && [ "$nodes" -eq 0 ] && [ "$vm" -eq 0 ]
