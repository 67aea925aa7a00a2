#!/usr/bin/env python3
"""An HTTP keep-alive client that fetches a page in a loop over ONE TCP connection, for as long as it runs.

    http-keepalive-client.py HOST [PORT] [--path /] [--expect TEXT] [--interval 0.05] [--timeout 60]

A request that fails is counted and the client connects again (so a broken connection shows as
connections > 1). On SIGTERM or SIGINT it prints one JSON line: requests, ok, failed, connections,
largest_gap_s (between two good responses), last_error. Used by the tests, the demo and the bench to show
that a connection survives a migration: connections == 1 and failed == 0.
"""
import argparse
import http.client
import json
import signal
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", nargs="?", type=int, default=80)
ap.add_argument("--path", default="/")
ap.add_argument("--expect", default="")
ap.add_argument("--interval", type=float, default=0.05)
ap.add_argument("--timeout", type=float, default=60.0)
a = ap.parse_args()

stats = {"requests": 0, "ok": 0, "failed": 0, "connections": 0, "largest_gap_s": 0.0, "last_error": ""}
stopping = False


def stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)

conn = None
last_ok = None
while not stopping:
    try:
        if conn is None:
            conn = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
            conn.connect()
            stats["connections"] += 1
        stats["requests"] += 1
        conn.request("GET", a.path, headers={"Connection": "keep-alive"})
        r = conn.getresponse()
        body = r.read().decode("utf-8", "replace")
        if r.status != 200 or (a.expect and a.expect not in body):
            raise RuntimeError(f"HTTP {r.status}, expected text {'found' if a.expect in body else 'missing'}")
        if r.getheader("Connection", "").lower() == "close":
            raise RuntimeError("the server closed the keep-alive connection")
        now = time.time()
        if last_ok is not None:
            stats["largest_gap_s"] = max(stats["largest_gap_s"], round(now - last_ok, 3))
        last_ok = now
        stats["ok"] += 1
    except Exception as e:  # noqa: BLE001 - every failure is counted and reported
        if stopping:
            break
        stats["failed"] += 1
        stats["last_error"] = f"{type(e).__name__}: {e}"
        if conn is not None:
            conn.close()
        conn = None
    time.sleep(a.interval)

print(json.dumps(stats), flush=True)
sys.exit(0)
