# debvisord's one long-lived Ceph session for its periodic reads (installed
# as /usr/lib/debvisor/ceph-session.py; helpers/debvisord/ceph/ceph-session.ts
# runs it with `python3 -I`: no `#!` line, so the package needs no python3 of
# its own, Ceph's CLI brings it). Every `ceph` run starts Python and librados and connects anew
# (~0.5 s of CPU); reading the cluster every 5 s that way kept a tenth of a
# core busy on an idle node. This connects once, with the configuration and
# keyring it is given, and then answers one JSON line per request:
#
#   in:  {"id": 7, "target": "mon" | "mgr", "command": {"prefix": "report", "format": "json"}, "timeout": 8}
#   out: {"id": 7, "ret": 0, "out": "<the command's output>", "outs": "<Ceph's status text>"}
#
# The first line out says whether it connected: {"ready": true} or
# {"ready": false, "error": "..."} (and it exits). A command that takes longer
# than its timeout gets ret -110 (ETIMEDOUT); librados gives up on it too
# (rados_mon_op_timeout). It ends when its standard input closes, so it never
# outlives debvisord. The commands come from debvisord, never from a caller.
import errno
import json
import os
import sys
import threading

DEFAULT_TIMEOUT_S = 8


def parse_args(argv):
    args = {"conf": "/etc/ceph/ceph.conf", "keyring": "", "connect-timeout": "6", "op-timeout": str(DEFAULT_TIMEOUT_S)}
    for i in range(1, len(argv) - 1, 2):
        key = argv[i][2:] if argv[i].startswith("--") else ""
        if key not in args:
            raise SystemExit(f"ceph-session: unknown argument {argv[i]}")
        args[key] = argv[i + 1]
    return args


class Replies:
    """Writes whole lines from any thread; each request is answered once, by its command or by its timer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {}

    def expect(self, key, timer):
        with self.lock:
            self.pending[key] = timer

    def send(self, reply):
        line = json.dumps(reply) + "\n"
        with self.lock:
            if reply.get("id") is not None:  # a complaint about a line that was no request has none
                timer = self.pending.pop(reply["id"], False)
                if timer is False:
                    return  # answered already (timed out, or the command came back after its timer)
                if timer is not None:
                    timer.cancel()
            sys.stdout.write(line)
            sys.stdout.flush()


def text(value):
    """librados hands back bytes or str, depending on the call and the version"""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def run(cluster, replies, request):
    key = request["id"]
    try:
        command = json.dumps(request["command"])
        if request.get("target") == "mgr":
            ret, out, outs = cluster.mgr_command(command, b"")
        else:
            ret, out, outs = cluster.mon_command(command, b"")
        reply = {"id": key, "ret": ret, "out": text(out), "outs": text(outs)}
    except Exception as e:  # a librados error is an answer too
        code = getattr(e, "errno", None) or errno.EIO
        reply = {"id": key, "ret": -abs(code), "out": "", "outs": str(e)}
    replies.send(reply)


def answer_late(replies, key, timeout):
    replies.send({"id": key, "ret": -errno.ETIMEDOUT, "out": "", "outs": f"timed out after {timeout:g} s"})


def main():
    args = parse_args(sys.argv)
    replies = Replies()
    try:
        import rados
        conf = {"client_mount_timeout": args["connect-timeout"], "rados_mon_op_timeout": args["op-timeout"]}
        if args["keyring"]:
            conf["keyring"] = args["keyring"]
        cluster = rados.Rados(conffile=args["conf"], conf=conf)
        cluster.connect()
    except Exception as e:
        print(json.dumps({"ready": False, "error": f"{type(e).__name__}: {e}"}), flush=True)
        return 1
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or not isinstance(request.get("command"), dict) or not isinstance(request.get("id"), int):
                raise ValueError("a request is {\"id\": a number, \"target\", \"command\": {...}, \"timeout\"}")
            timeout = float(request.get("timeout") or DEFAULT_TIMEOUT_S)
        except (ValueError, TypeError) as e:
            replies.send({"id": None, "ret": -errno.EINVAL, "out": "", "outs": f"not a request: {e}"})
            continue
        if request["id"] in replies.pending:
            replies.send({"id": None, "ret": -errno.EEXIST, "out": "", "outs": f"request {request['id']} is already running"})
            continue
        timer = threading.Timer(timeout, answer_late, args=(replies, request["id"], timeout))
        timer.daemon = True
        replies.expect(request["id"], timer)
        timer.start()
        # each command in its own thread: a slow manager does not hold up the monitors' answers
        threading.Thread(target=run, args=(cluster, replies, request), daemon=True).start()
    # debvisord has gone: no goodbye to the monitors (a command still waiting in librados would hold
    # up a clean shutdown); they drop the session when its connection closes
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
