#!/usr/bin/env python3
"""Two release binaries side by side, for a change too small to see between two full `make bench` runs: both shops run at
once (seeded as `make bench` seeds them), and short wrk runs alternate between them (A B, then B A, ...), so the shared
box's drift — which moves a route's rate by 30 % within minutes — reaches both alike. Prints, per round, the rate and the
server's CPU per answer (`server_cpu_us`) of each, and at the end the medians of B/A. Not part of `make bench`.
  bench/interleave.py A_BINARY B_BINARY [--rounds 12] [--seconds 3] [--routes /healthz,/api/v1/products?limit=20,rush]

With --together the two wrk runs of a round load A and B at the same time instead of one after the other, so a change
of the box's speed within a round reaches both alike too (each server then has about half the box).

`rush` is row 3's reserve route, each buyer's token in turn (rotate.lua): sold out after the first rounds, so nearly
every answer is the 409 a rush's losers get, as in row 3."""

import argparse
import concurrent.futures
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as lib  # noqa: E402
import rows  # noqa: E402


def run(shop, route, seconds):
    """One wrk run of `route` (a path, or `rush`) against `shop`'s server, with the server's CPU per answer."""
    if route != "rush":
        return lib.wrk(shop.server.url(route), seconds, server=shop.server)
    path = f"/api/v1/flash-sales/{shop.rush_sale}/reserve"
    return lib.wrk(shop.server.url(path), seconds, script="rotate.lua", server=shop.server,
                   env={"BENCH_TOKENS": shop.files["buyers"], "BENCH_METHOD": "POST", "BENCH_PATH": path,
                        "BENCH_BODY": json.dumps({"productId": shop.rush_product, "quantity": 1}), "BENCH_MAX": "100000000"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--routes", default="/healthz,/api/v1/products?limit=20")
    parser.add_argument("--together", action="store_true", help="load A and B at the same time in each round")
    options = parser.parse_args()
    routes = options.routes.split(",")
    shops = {}
    try:
        for name, binary in (("A", options.a), ("B", options.b)):
            lib.BIN = os.path.abspath(binary)  # read when each server starts
            shops[name] = rows.Shop(tempfile.mkdtemp(prefix=f"klelite-interleave-{name}-"), buyers=2_000, checkout_users=10,
                                    reference=(name == "A"))
        reference = shops["A"].reference
        runs = {(name, route): [] for name in "AB" for route in routes}
        for round_number in range(options.rounds):
            plain = lib.wrk(reference.url("/plain"), options.seconds, server=reference)
            line = [f"plain {plain['rps']:.0f}/s"]
            for route in routes:
                if options.together:
                    with concurrent.futures.ThreadPoolExecutor(2) as pool:
                        both = {name: pool.submit(run, shops[name], route, options.seconds) for name in "AB"}
                        for name in "AB":
                            runs[(name, route)].append(both[name].result())
                else:
                    for name in ("AB" if round_number % 2 == 0 else "BA"):
                        runs[(name, route)].append(run(shops[name], route, options.seconds))
                a, b = runs[("A", route)][-1], runs[("B", route)][-1]
                line.append(f"{route} A {a['rps']:.0f}/s {a['server_cpu_us']} µs, B {b['rps']:.0f}/s {b['server_cpu_us']} µs")
            print(round_number, " | ".join(line), flush=True)
        for route in routes:
            pairs = list(zip(runs[("A", route)], runs[("B", route)]))
            rates = [b["rps"] / a["rps"] for a, b in pairs]
            cpu = [b["server_cpu_us"] / a["server_cpu_us"] for a, b in pairs]
            print(f"{route}: B/A rate median {statistics.median(rates):.3f} ({min(rates):.3f}-{max(rates):.3f}); "
                  f"B/A CPU per answer median {statistics.median(cpu):.3f} ({min(cpu):.3f}-{max(cpu):.3f}); "
                  f"CPU per answer medians A {statistics.median(a['server_cpu_us'] for a, _ in pairs):.1f} µs, "
                  f"B {statistics.median(b['server_cpu_us'] for _, b in pairs):.1f} µs")
    finally:
        for shop in shops.values():
            shop.stop()


if __name__ == "__main__":
    main()
