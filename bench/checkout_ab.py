#!/usr/bin/env python3
"""Row 8 for two release binaries, alternated (A B, then B A, ...): each run seeds a shop of its own as `make bench`
does, places the 5,000 checkout orders for a few seconds, and prints the rate, the one writer's CPU and wall time per
order inside the checkout transactions (from `/metrics`) and the WAL file's size at the end. The writer's CPU per
order is the steady figure; orders/s moves 5-18 % between runs of the same binary. Each shop's folder is kept until
the end (ext4 here skips recently deleted inodes, bench/PROFILES.md thirteenth round). Not part of `make bench`.
  bench/checkout_ab.py A_BINARY B_BINARY [--rounds 6] [--seconds 3]"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as lib  # noqa: E402
import rows  # noqa: E402


def one_run(work, binary, name, seconds):
    lib.BIN = binary
    shop = rows.Shop(work, name=name, reference=False)
    try:
        cpu_before = lib.process_cpu_seconds(shop.server.process.pid)
        report = rows.checkout_row(shop, seconds)
        cpu_after = lib.process_cpu_seconds(shop.server.process.pid)
    finally:
        shop.stop()
    orders, writer = report["orders"], report["writer"]
    wal = os.path.join(shop.data, "klelite.sqlite-wal")
    return {
        "orders": orders,
        "rate": orders / report["orders_span_s"],
        "cpu_us": writer["writer_cpu_seconds"] / orders * 1e6,
        "wall_us": writer["writer_seconds"] / orders * 1e6,
        "server_us": (cpu_after - cpu_before) / orders * 1e6 if cpu_before is not None and cpu_after is not None else float("nan"),
        "wal_mb": os.path.getsize(wal) / 1e6 if os.path.exists(wal) else 0.0,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="klelite-checkout-ab-")
    results = {"A": [], "B": []}
    try:
        for round_ in range(args.rounds):
            order = (("A", args.a), ("B", args.b)) if round_ % 2 == 0 else (("B", args.b), ("A", args.a))
            for label, binary in order:
                run = one_run(work, binary, f"{round_}-{label}", args.seconds)
                results[label].append(run)
                print(f"round {round_} {label}: {run['orders']} orders, {run['rate']:.0f}/s, writer CPU {run['cpu_us']:.0f} µs"
                      f" and wall {run['wall_us']:.0f} µs per order, server CPU {run['server_us']:.0f} µs per order, WAL {run['wal_mb']:.1f} MB", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for label in ("A", "B"):
        runs = results[label]
        if runs:
            medians = {key: statistics.median(run[key] for run in runs) for key in ("rate", "cpu_us", "wall_us", "server_us", "wal_mb")}
            print(f"{label} medians: {medians['rate']:.0f} orders/s, writer CPU {medians['cpu_us']:.0f} µs/order, "
                  f"wall {medians['wall_us']:.0f} µs/order, server CPU {medians['server_us']:.0f} µs/order, WAL {medians['wal_mb']:.1f} MB")


if __name__ == "__main__":
    main()
