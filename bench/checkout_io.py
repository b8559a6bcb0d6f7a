#!/usr/bin/env python3
"""Row 8's writes: what the server writes per order during the checkout row, from /proc/PID/io around it — bytes
handed to write calls (`wchar`), write calls (`syscw`) and bytes that reached the disk (`write_bytes`), each ÷ orders,
over the checkout window and again once every confirmation email is in the outbox. Not part of `make bench`; run it
beside another binary (KLELITE_BENCH_BIN=…) to compare two builds, alternating.
  bench/checkout_io.py  → a few lines of text"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as lib  # noqa: E402,F401  (reads KLELITE_BENCH_BIN)
import rows  # noqa: E402


def io(pid):
    return {key: int(value) for key, value in (line.split(":") for line in open(f"/proc/{pid}/io"))}


def main():
    work = tempfile.mkdtemp(prefix="klelite-checkout-io-")
    shop = rows.Shop(work, reference=False)
    pid = shop.server.process.pid
    try:
        before = io(pid)
        report = rows.checkout_row(shop, 6)
        window = io(pid)
        outbox = os.path.join(shop.data, "outbox")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sent = len([name for name in os.listdir(outbox) if name.endswith(".eml")]) if os.path.isdir(outbox) else 0
            if sent >= report["orders"]:
                break
            time.sleep(0.5)
        drained = io(pid)
        orders = report["orders"]
        print(f"orders {orders}, {orders / report['orders_span_s']:.0f} orders/s, emails in the outbox {sent}")
        for key in ("wchar", "syscw", "write_bytes"):
            print(f"{key} per order: checkout window {(window[key] - before[key]) / orders:,.1f}, "
                  f"with the emails {(drained[key] - before[key]) / orders:,.1f}")
    finally:
        shop.stop()


if __name__ == "__main__":
    main()
