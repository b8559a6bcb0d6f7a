#!/usr/bin/env python3
"""Flame summary of one HTTP row under load: `perf record -g` on the release server while wrk runs, then the top
frames (self time, and with children) as text for bench/PROFILES.md. Not part of `make bench` (perf needs privileges).
  bench/profile.py products|healthz|rush|checkout [SECONDS]"""

import json
import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as lib  # noqa: E402
import rows  # noqa: E402


def main():
    row, seconds = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10
    work = tempfile.mkdtemp(prefix="klelite-profile-")
    shop = rows.Shop(work, reference=False)
    try:
        data = os.environ.get("PERF_DATA") or os.path.join(work, "perf.data")  # PERF_DATA keeps it for `perf script`
        perf = subprocess.Popen(["perf", "record", "-g", "-F", "2999", "-p", str(shop.server.process.pid), "-o", data, "--",
                                 "sleep", str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load = {
            "products": lambda: lib.wrk(shop.server.url("/api/v1/products?limit=20"), seconds + 1),
            "healthz": lambda: lib.wrk(shop.server.url("/healthz"), seconds + 1),
            "rush": lambda: rows.rush_row(shop, seconds + 1, 1_000_000),
            "checkout": lambda: rows.checkout_row(shop, seconds + 1),
        }[row]
        result = {}
        worker = threading.Thread(target=lambda: result.update(load()))
        worker.start()
        perf.wait(timeout=seconds + 60)
        worker.join(timeout=seconds + 120)
        print(json.dumps({k: v for k, v in result.items() if k != "command"}))
        for mode in ("--no-children", "--children"):
            report = subprocess.run(["perf", "report", "-i", data, mode, "--stdio", "-g", "none", "--percent-limit", "1.5",
                                     "--sort", "symbol"], capture_output=True, text=True, timeout=300)
            print(f"## perf report {mode}")
            print("\n".join(line for line in report.stdout.splitlines() if line.strip() and not line.startswith("#"))[:6000])
    finally:
        shop.stop()


if __name__ == "__main__":
    main()
