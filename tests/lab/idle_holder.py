#!/usr/bin/env python3
"""idle_holder.py — hold N idle TCP connections to HOST:PORT (a slowloris
stand-in for the control API's per-source limits, tests/integration/api_limits.sh).

Opens N connections (from the --source addresses in turn) and sends nothing on them; a connection the server
closes or refuses is reopened, so the pressure stays. Bounded: it exits
after --seconds (default 120) whatever happens, and on SIGTERM.
Every second it writes two numbers to --status FILE (atomically): the
connections open now and the reconnects so far."""
import argparse
import os
import selectors
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--status", default=None)
    ap.add_argument("--source", default="",
                    help="comma-separated local addresses to connect from, in turn")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sel = selectors.DefaultSelector()
    conns = set()
    reopened = 0
    end = time.monotonic() + a.seconds
    last = 0.0
    sources = [x for x in a.source.split(",") if x]
    turn = [0]

    def open_one():
        s = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET)
        s.setblocking(False)
        try:
            if sources:
                s.bind((sources[turn[0] % len(sources)], 0))
                turn[0] += 1
            s.connect((a.host, a.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        sel.register(s, selectors.EVENT_READ)
        conns.add(s)

    while time.monotonic() < end:
        while len(conns) < a.n:
            open_one()
            if len(conns) < a.n and not conns:
                break
        now = time.monotonic()
        if a.status and now - last >= 1.0:  # after the refill: what is held now
            last = now
            tmp = a.status + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d %d\n" % (len(conns), reopened))
            os.replace(tmp, a.status)
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:  # closed or refused: reopen it on the next round
                sel.unregister(s)
                s.close()
                conns.discard(s)
                reopened += 1
        if len(conns) < a.n:
            time.sleep(0.01)  # do not spin on a refusing server


main()
