#!/usr/bin/env python3
"""Flame summary of row 7 (live streams): opens the streams as the bench does, then runs `perf record -g` on the release
server only around the trigger (the fan-out), not while the streams open. Not part of `make bench` (perf needs
privileges).
  bench/profile_streams.py stock|notifications [STREAMS] [SECONDS]"""

import json
import os
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as lib  # noqa: E402
import rows  # noqa: E402
from streams import fan_out  # noqa: E402


def main():
    kind = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    work = tempfile.mkdtemp(prefix="klelite-profile-")
    shop = rows.Shop(work, reference=False)
    data = os.path.join(work, "perf.data")
    recorder = {}

    def start_perf():
        recorder["perf"] = subprocess.Popen(
            ["perf", "record", "-g", "-F", "4999", "-p", str(shop.server.process.pid), "-o", data, "--", "sleep", str(seconds)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return shop.server.rss_kib()

    try:
        buyer = shop.buyers[-1][2]
        if kind == "stock":
            result = fan_out(
                shop.server.port, lambda i: f"/api/v1/flash-sales/{shop.stream_sale}/stream", None, count, b"event: stock",
                lambda: lib.request("POST", shop.server.url(f"/api/v1/flash-sales/{shop.stream_sale}/reserve"), buyer,
                                    {"productId": shop.stream_product, "quantity": 1}),
                on_open=start_perf, server_pid=shop.server.process.pid)
        else:
            tokens = [token for (_, _, token) in shop.buyers[:count]]
            result = fan_out(
                shop.server.port, lambda i: "/api/v1/notifications/stream", tokens, count, b"event: notification",
                lambda: lib.request("POST", shop.server.url("/api/v1/admin/notifications"), shop.admin[2],
                                    {"title": f"Profile {uuid.uuid4()}", "body": "A profiled broadcast."}),
                on_open=start_perf, server_pid=shop.server.process.pid)
        recorder["perf"].wait(timeout=seconds + 60)
        rows.summarize_fan_out(result)
        print(json.dumps(result))
        for mode in ("--no-children", "--children"):
            report = subprocess.run(["perf", "report", "-i", data, mode, "--stdio", "-g", "none", "--percent-limit", "1.5",
                                     "--sort", "symbol"], capture_output=True, text=True, timeout=300)
            print(f"## perf report {mode}")
            print("\n".join(line for line in report.stdout.splitlines() if line.strip() and not line.startswith("#"))[:7000])
    finally:
        shop.stop()


if __name__ == "__main__":
    main()
