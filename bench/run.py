#!/usr/bin/env python3
"""`make bench`: every row of issue 14's table, measured end to end in one run with its reference beside it, then
written to BENCHMARKS.md (and the raw figures to bench/results/). Bounded: every load loop stops by itself at a
count or a time limit, whichever comes first; the whole run takes about 8-12 minutes on 2 cores.
  bench/run.py [--seconds 2] [--rounds 5] [--rush-seconds 180] [--rush-attempts 1000000] [--out BENCHMARKS.md]"""

import argparse
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as lib  # noqa: E402
import report  # noqa: E402
import rows  # noqa: E402


def machine():
    def text(*command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10, cwd=lib.ROOT).stdout.strip()
        except OSError:
            return "?"
    with open("/proc/meminfo") as meminfo:
        total = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    dirty = " (with uncommitted changes)" if text("git", "status", "--porcelain", "--untracked-files=no") else ""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": text("git", "log", "-1", "--format=%h %s") + dirty,
        "nproc": text("nproc"), "memory": f"{total / 1048576:.1f} GiB", "kernel": text("uname", "-sr"),
        "wrk": " ".join(text("sh", "-c", "wrk --version 2>&1 | head -1").split()[:2]), "load_before": open("/proc/loadavg").read().split()[:3],
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=2, help="length of each wrk run of rows 1-2")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of rows 1-2 (each route once per round)")
    parser.add_argument("--rush-seconds", type=int, default=180)
    parser.add_argument("--rush-attempts", type=int, default=1_000_000)
    parser.add_argument("--harness-seconds", type=float, default=4)
    parser.add_argument("--stock-streams", type=int, default=10_000)
    parser.add_argument("--notification-streams", type=int, default=2_000)
    parser.add_argument("--startup-rows", type=int, default=1_000_000)
    parser.add_argument("--only", default="http,rush,checkout,streams,redis,harness,startup")
    parser.add_argument("--out", default=os.path.join(lib.ROOT, "BENCHMARKS.md"))
    options = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 10,000 streams: the server and this client each need >10k
    wanted = set(options.only.split(","))
    work = tempfile.mkdtemp(prefix="klelite-bench-")
    results = {"machine": machine(), "options": vars(options), "errors": {}}
    started = time.monotonic()

    def phase(name, function, *args):
        if name not in wanted:
            return
        print(f"[{time.monotonic() - started:6.1f} s] {name} ...", flush=True)
        try:
            results[name] = function(*args)
        except Exception as error:  # one failing row must not lose the others
            results["errors"][name] = f"{type(error).__name__}: {error}"
            traceback.print_exc()

    shop = None
    try:
        if wanted & {"http", "rush", "checkout", "streams"}:
            print("seeding the shop (10,000 buyers, 5,000 carts) ...", flush=True)
            shop = rows.Shop(work)
        phase("http", rows.http_rows, shop, options.seconds, options.rounds)
        phase("streams", rows.stream_rows, shop, options.stock_streams, options.notification_streams)
        phase("rush", rows.rush_row, shop, options.rush_seconds, options.rush_attempts)
        phase("checkout", rows.checkout_row, shop, 60)
    finally:
        if shop:
            shop.stop()
    phase("redis", rows.redis_rush_row, work, options.rush_seconds, options.rush_attempts)  # row 3r: row 3's rush, Redis ledger
    phase("harness", rows.harness_rows, work, options.harness_seconds)
    phase("startup", rows.startup_row, work, options.startup_rows)
    results["elapsed_seconds"] = time.monotonic() - started
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    os.makedirs(os.path.join(lib.ROOT, "bench/results"), exist_ok=True)
    raw = os.path.join(lib.ROOT, "bench/results", f"{stamp}.json")
    with open(raw, "w") as out:
        json.dump(results, out, indent=1, default=str)
    with open(options.out, "w") as out:
        out.write(report.render(results, os.path.relpath(raw, lib.ROOT)))
    print(f"done in {results['elapsed_seconds']:.0f} s: {options.out}, {raw}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
