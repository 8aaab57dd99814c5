#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# notify.sh - relaymilter's readiness protocol (sd_notify), held against a
# notify socket of the test's own (an AF_UNIX datagram socket named by
# NOTIFY_SOCKET, as systemd passes it), not against a running systemd.
# READY=1 comes once the first snapshot is in force and the sockets
# listen: at that moment the control socket answers STATUS and the milter
# port accepts, without a retry.  Every reload (control socket, SIGHUP, a
# refused list) is RELOADING=1 with MONOTONIC_USEC=, then READY=1 with
# STATUS= naming the generation in force.  SIGTERM is STOPPING=1.  Every
# message comes from the daemon's own pid, as NotifyAccess=main requires.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
command -v python3 >/dev/null 2>&1 || { echo "# python3 missing: skipped"; echo "0 passed, 0 failed"; exit 77; }
exec env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$srcdir/tests" python3 - "$builddir/milter/relaymilter" <<'PY'
import os, re, shutil, signal, socket, struct, subprocess, sys, tempfile, time
from tap import check, finish

daemon = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="relaymilter-notify.")
probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
ctl_path = os.path.join(tmp, "control.sock")
conf = os.path.join(tmp, "relaymilter.conf")
allow = os.path.join(tmp, "allow.list")
with open(conf, "w") as f:
    f.write("milter_socket = inet:%d@127.0.0.1\ncontrol_socket = %s\n"
            "relay_flags = allow\nallow_list = allow.list\nlocal_domains = local.test\n" % (port, ctl_path))
with open(allow, "w") as f:
    f.write("192.0.2.0/24\n")
os.chmod(conf, 0o644); os.chmod(allow, 0o644)

listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
notify_path = os.path.join(tmp, "notify.sock")
listener.bind(notify_path)
log = open(os.path.join(tmp, "daemon.log"), "w")
proc = subprocess.Popen([daemon, "-f", "-c", conf], stdout=log, stderr=subprocess.STDOUT,
                        env=dict(os.environ, NOTIFY_SOCKET=notify_path))

def receive(timeout=10):
    """one datagram: (fields, sender pid), or (None, None) on timeout"""
    listener.settimeout(timeout)
    try:
        data, anc, _, _ = listener.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        return None, None
    pid = None
    for level, kind, value in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", value[:12])[0]
    fields = dict(l.split("=", 1) for l in data.decode().split("\n") if "=" in l)
    return fields, pid

def ctl(line):
    """one control command, no retry: the reply, or the error's text"""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    try:
        s.connect(ctl_path)
        s.sendall(line.encode() + b"\n")
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            b = s.recv(65536)
            if not b: break
            out += b
        return out.decode()
    except OSError as e:
        return "error: %s" % e
    finally:
        s.close()

def generation_of(status):
    m = re.search(r"^generation: (\d+)$", status, re.M)
    return int(m.group(1)) if m else None

def reload_seen(name, want_gen, failed=False):
    """RELOADING=1 (MONOTONIC_USEC near now), then READY=1 with STATUS=generation want_gen"""
    first, pid1 = receive()
    check("%s: RELOADING=1 first" % name, first is not None and first.get("RELOADING") == "1", first)
    now = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
    usec = (first or {}).get("MONOTONIC_USEC", "")
    check("%s: with MONOTONIC_USEC= of the monotonic clock" % name,
          usec.isdigit() and abs(int(usec) - now) < 10e6, usec)
    second, pid2 = receive()
    check("%s: then READY=1" % name, second is not None and second.get("READY") == "1", second)
    st = (second or {}).get("STATUS", "")
    check("%s: STATUS= names generation %d" % (name, want_gen),
          st.startswith("generation %d in force" % want_gen), st)
    check("%s: STATUS= says whether the reload failed" % name,
          ("the last reload failed" in st) == failed, st)
    check("%s: sent by the daemon's pid (NotifyAccess=main)" % name, pid1 == proc.pid and pid2 == proc.pid,
          "pids %s %s, daemon %d" % (pid1, pid2, proc.pid))

def reap(proc, log, name):
    """kill the daemon if it still runs; check its log, and return it"""
    if proc.poll() is None:
        proc.kill(); proc.wait()
    log.close()
    text = open(log.name).read()
    check("no sanitizer report in %s" % name,
          not re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", text), text[-2000:])
    return text

try:
    msg, pid = receive()
    check("READY=1 is the first message", msg is not None and msg.get("READY") == "1", msg)
    status = ctl("STATUS")   # at once, no retry
    check("at READY=1 the control socket answers STATUS", status.startswith("OK "), status)
    check("...with generation 1 in force", generation_of(status) == 1, status)
    try:
        socket.create_connection(("127.0.0.1", port), 2).close(); listening = True
    except OSError:
        listening = False
    check("at READY=1 the milter port accepts", listening)
    st = (msg or {}).get("STATUS", "")
    check("STATUS= names generation 1 and the entries", st == "generation 1 in force: deny 0, allow 1, local 0 entries", st)
    check("READY=1 is sent by the daemon's pid", pid == proc.pid, "pid %s, daemon %d" % (pid, proc.pid))

    reply = ctl("RELOAD")
    check("RELOAD over the control socket", reply.startswith("OK reloaded generation 2"), reply)
    reload_seen("control-socket reload", 2)

    os.kill(proc.pid, signal.SIGHUP)
    reload_seen("SIGHUP reload", 3)

    with open(allow, "a") as f:
        f.write("10.1\n")
    reply = ctl("RELOAD")
    check("a refused list: RELOAD answers ERR", reply.startswith("ERR "), reply)
    reload_seen("refused reload", 3, failed=True)

    # Reloads asked for while the daemon winds down (here SIGHUPs right
    # behind SIGTERM) may run, but STOPPING=1 stays the last word.
    os.kill(proc.pid, signal.SIGTERM)
    for _ in range(20):
        try:
            os.kill(proc.pid, signal.SIGHUP)
        except ProcessLookupError:
            break
        time.sleep(0.005)
    msg, pid = receive()
    check("SIGTERM: STOPPING=1", msg is not None and msg.get("STOPPING") == "1", msg)
    try:
        rc = proc.wait(15)
    except subprocess.TimeoutExpired:
        rc = None
    check("the daemon exits 0", rc == 0, rc)
    msg, pid = receive(0.5)
    check("nothing more after STOPPING=1", msg is None, msg)
finally:
    reap(proc, log, "the daemon's log")

# A service manager that stops reading: its socket fills (the kernel queues
# net.unix.max_dgram_qlen datagrams, 10 to 512), and sd_notify() would then
# block.  The daemon must still answer every RELOAD and STATUS at once and
# stop on SIGTERM.
deaf = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
deaf_path = os.path.join(tmp, "deaf.sock")
deaf.bind(deaf_path)
log = open(os.path.join(tmp, "deaf.log"), "w")
with open(allow, "w") as f:
    f.write("192.0.2.0/24\n")
proc = subprocess.Popen([daemon, "-f", "-c", conf], stdout=log, stderr=subprocess.STDOUT,
                        env=dict(os.environ, NOTIFY_SOCKET=deaf_path))
try:
    for _ in range(100):
        if ctl("STATUS").startswith("OK "): break
        time.sleep(0.1)
    answered, reply = 0, ""
    for i in range(600):                # 1200 messages: more than any queue holds
        reply = ctl("RELOAD")
        if not reply.startswith("OK reloaded"):
            break
        answered += 1
    check("an unread notify socket: 600 RELOADs are all answered", answered == 600,
          "%d answered, then: %s" % (answered, reply))
    check("...and STATUS still answers", ctl("STATUS").startswith("OK "))
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    check("...and SIGTERM stops the daemon", rc == 0, rc)
finally:
    text = reap(proc, log, "that daemon's log")
    check("...which says once that the manager does not read",
          text.count("cannot notify the service manager") == 1, text[-1500:])
    deaf.close()
    shutil.rmtree(tmp, ignore_errors=True)
finish()
PY
