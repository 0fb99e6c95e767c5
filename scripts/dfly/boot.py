#!/usr/bin/env python3
"""Boots one ISO under QEMU (TCG) and records its serial console.

  boot.py ISO LOG --smp N --timeout SECONDS [--icount OPTS] [--ddb CMD ...]
          [--ddb-repeat] [--memory MB] [--halted TEXT ...]

QEMU runs niced, without KVM, with the serial port on a pipe, -no-reboot.
With --icount the guest's time, its TSC included, advances by executed
instructions only (QEMU's -icount; the RTC on virtual time too), so the
guest's rdtsc deltas count instructions whatever the host's load.  The run
ends when the kernel has halted (the guest's reboot(RB_HALT | RB_POWEROFF)
only halts: no ACPI in the config; --halted replaces the texts that say so,
e.g. when a vkernel inside prints the first of them), when QEMU exits (a triple fault under
-no-reboot), at the time limit, or after DDB: at each `db> ` prompt the
next --ddb command is sent (default: trace), at each `--More--` of DDB's
pager a space, and it stops a few seconds after the last one's answer;
with --ddb-repeat the commands start again at the next `db> ` (each stop in
DDB gets them all, e.g. a vkernel's at each time limit of its runner, its
last command being `cont`) and the run goes on.  Writes LOG (the console
as it comes, CRs removed) and LOG.json: {"status": "halted" | "ddb" | "exited" | "timeout",
"elapsed": s, "smp": n, "ddb": [commands sent], "icount": OPTS}.  Exit
status 0 unless QEMU could not be run.
"""
import argparse
import json
import os
import select
import signal
import subprocess
import sys
import time

HALTED = (b"The operating system has halted.", b"Please press any key to reboot.")
PROMPT = b"db> "
MORE = b"--More--"  # DDB's pager (ddb/db_output.c db_more): a space shows the next page


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iso")
    ap.add_argument("log")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--memory", default="512")
    ap.add_argument("--ddb", action="append")
    ap.add_argument("--ddb-repeat", action="store_true",
                    help="send the --ddb commands again at each later stop in DDB")
    ap.add_argument("--icount", help="QEMU's -icount option, e.g. shift=4,sleep=off: the guest's clock "
                    "(and TSC) counts instructions, 2**shift ns each")
    ap.add_argument("--halted", action="append",
                    help="a console text that means the run is over (default: the kernel's halt messages)")
    a = ap.parse_args()
    cmds = a.ddb or ["trace"]
    halted = tuple(h.encode() for h in a.halted) if a.halted else HALTED

    qemu = ["nice", "-n", "10", "qemu-system-x86_64", "-machine", "pc", "-cpu", "qemu64",
            "-m", a.memory, "-smp", str(a.smp), "-display", "none", "-serial", "stdio",
            "-monitor", "none", "-no-reboot", "-cdrom", a.iso, "-boot", "d"]
    if a.icount:
        # the RTC on virtual time too, else the kernel calibrates its
        # timers against the host's clock
        qemu += ["-icount", a.icount, "-rtc", "clock=vm"]
    p = subprocess.Popen(qemu, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    # Stopped from outside (make interrupted): take QEMU along.
    signal.signal(signal.SIGTERM, lambda *_: (p.kill(), sys.exit(143)))
    signal.signal(signal.SIGINT, lambda *_: (p.kill(), sys.exit(130)))
    os.set_blocking(p.stdout.fileno(), False)
    log = open(a.log, "wb")  # written as it comes, to follow a long run
    buf = b""
    t0 = time.time()
    sent = []
    pages = 0
    status = None
    settle = None  # when DDB's last answer is complete: stop a little later
    while True:
        now = time.time()
        if now - t0 > a.timeout:
            status = "timeout"
            break
        if p.poll() is not None:
            status = "exited"
            break
        r, _, _ = select.select([p.stdout], [], [], 0.5)
        if r:
            chunk = p.stdout.read()
            if chunk:
                buf += chunk
                log.write(chunk.replace(b"\r", b""))
                log.flush()
        if any(h in buf for h in halted):
            status = "halted"
            time.sleep(0.2)
            break
        if buf.count(MORE) > pages:
            pages += 1
            p.stdin.write(b" ")
            p.stdin.flush()
        prompts = buf.count(PROMPT)
        if prompts > len(sent) and (a.ddb_repeat or len(sent) < len(cmds)):
            cmd = cmds[len(sent) % len(cmds)]
            p.stdin.write(cmd.encode() + b"\r")
            p.stdin.flush()
            sent.append(cmd)
        elif prompts > len(sent) and settle is None:
            settle = now
        if settle is not None and now - settle > 2:
            status = "ddb"
            break
    try:
        rest = p.stdout.read()
        if rest:
            buf += rest
            log.write(rest.replace(b"\r", b""))
    except (OSError, ValueError):
        pass
    p.kill()
    p.wait()
    elapsed = time.time() - t0
    log.close()
    with open(a.log + ".json", "w") as f:
        json.dump({"status": status, "elapsed": round(elapsed, 1), "smp": a.smp, "ddb": sent,
                   "icount": a.icount}, f)
    print(f"boot: {os.path.basename(a.log)}: {status} after {elapsed:.0f}s"
          + (f", DDB: {', '.join(sent)}" if sent else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
