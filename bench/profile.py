#!/usr/bin/env python3
"""Flame summary of one HTTP row under load: `perf record -g` on the release server while wrk runs, then the top
frames (self time, and with children) as text for bench/PROFILES.md. Not part of `make bench` (perf needs privileges).
  bench/profile.py products|healthz|rush|checkout [SECONDS] [--dwarf]

Frame pointers (the default) lose the callers of code built without them — the system's SQLite and glibc's malloc — so
their samples count under no Swift frame: a checkout's SQLite work, most of it in the group commit's writer, showed as
"[unknown]". `--dwarf` unwinds from a copy of each sample's stack instead (`--call-graph dwarf`, at 999 Hz: far more
data per sample; keep SECONDS short)."""

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
    dwarf = "--dwarf" in sys.argv[1:]
    arguments = [argument for argument in sys.argv[1:] if argument != "--dwarf"]
    row, seconds = arguments[0], int(arguments[1]) if len(arguments) > 1 else 10
    sampling = ["--call-graph", "dwarf,32768", "-F", "999"] if dwarf else ["-g", "-F", "2999"]
    work = tempfile.mkdtemp(prefix="klelite-profile-")
    shop = rows.Shop(work, reference=False)
    try:
        data = os.environ.get("PERF_DATA") or os.path.join(work, "perf.data")  # PERF_DATA keeps it for `perf script`
        perf = subprocess.Popen(["perf", "record", *sampling, "-p", str(shop.server.process.pid), "-o", data, "--",
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
