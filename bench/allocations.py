#!/usr/bin/env python3
"""Heap allocations per answer of the release server, counted by heaptrack: a figure that does not drift with the shared
box's load, to compare two binaries when their rates differ by less than the box's noise (bench/PROFILES.md, sixth
round). Not part of `make bench`. One server per route, seeded as `make bench` seeds it; the allocations of a server
that only starts and stops are subtracted.
  bench/allocations.py [--bin PATH] [--routes products,healthz,rush] [--seconds 6] [--attempts 40000]"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

WRAPPER = """#!/bin/bash
# `serve` runs under heaptrack; a TERM is passed on to the server itself (heaptrack's script does not pass it on).
if [ "$1" = serve ]; then
  heaptrack -o "$HEAPTRACK_OUT" "{binary}" "$@" >/dev/null &
  tracker=$!
  trap 'kill -TERM $(pgrep -f "^{binary} $*"); wait $tracker' TERM
  wait $tracker
  exit 0
fi
exec "{binary}" "$@"
"""


def allocations(trace):
    printed = subprocess.run(["heaptrack_print", "-f", trace, "--print-peaks", "0", "--print-allocators", "0",
                              "--print-temporary", "0", "--print-leaks", "0"], capture_output=True, text=True, timeout=600)
    found = re.search(r"^calls to allocation functions: (\d+)", printed.stdout, re.MULTILINE)
    if not found:
        raise RuntimeError(f"heaptrack_print gave no total for {trace}: {printed.stderr[-300:]}")
    return int(found.group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=None, help="the klelite binary (default: .build-release/release/klelite)")
    parser.add_argument("--routes", default="products,healthz,rush")
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--attempts", type=int, default=40_000)
    options = parser.parse_args()
    if not shutil.which("heaptrack"):
        sys.exit("heaptrack is missing: apt-get install heaptrack")
    work = tempfile.mkdtemp(prefix="klelite-allocations-")
    binary = os.path.abspath(options.bin or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                         ".build-release/release/klelite"))
    wrapper = os.path.join(work, "serve-under-heaptrack")
    with open(wrapper, "w") as out:
        out.write(WRAPPER.format(binary=binary))
    os.chmod(wrapper, 0o755)
    os.environ["KLELITE_BENCH_BIN"] = wrapper  # read when benchlib is imported
    import benchlib as lib
    import rows

    def run(route):
        trace = os.path.join(work, f"{route}")
        os.environ["HEAPTRACK_OUT"] = trace
        shop = rows.Shop(os.path.join(work, f"shop-{route}"), reference=False)
        try:
            if route == "rush":
                report = rows.rush_row(shop, 120, options.attempts)
                if (report["api_taken"], report["sqlite_taken"], report["over_limit"]) != (1000, 1000, 0):
                    raise RuntimeError(f"the rush did not take exactly its stock: {report}")
            elif route == "none":
                report = {"requests": 0}
            else:
                path = {"products": "/api/v1/products?limit=20", "healthz": "/healthz"}[route]
                report = lib.wrk(shop.server.url(path), options.seconds, connections=16, threads=1)
        finally:
            shop.stop()
        return report["requests"], allocations(trace + ".zst")

    _, idle = run("none")
    figures = {"binary": binary, "idle_server_allocations": idle}
    for route in options.routes.split(","):
        answers, total = run(route)
        figures[route] = {"answers": answers, "allocations": total, "per_answer": round((total - idle) / answers, 2)}
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
