#!/usr/bin/env python3
"""A short, bounded rush on a flash sale by the demo customers, so a visitor watching the flash-sale page sees
the stock bar move and the sale sell out (`make demo-rush`).

Each demo customer (from DATA_DIR/demo-credentials, written by `klelite seed-demo`) signs in, then makes at most
--attempts reservation attempts against the sale (the shop allows 5 a minute), asking for what is left up to the
item's per-customer limit, and finally checks out cash-on-delivery so the units are sold, not just held.
Everything has a time-out: the script ends within about attempts × (spread + 10) seconds.
Only the Python standard library is used.
"""
import argparse
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

ADDRESS = {"name": "Khách demo", "phone": "0901234567", "line": "1 Lê Lợi", "ward": "Phường Bến Nghé", "district": "Quận 1", "city": "TP.HCM"}


def call(base: str, method: str, path: str, body=None, token: str | None = None, timeout: float = 10):
    """(status, JSON body or None) of one API call; network errors are status 0."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw) if raw else None
        except ValueError:
            return error.code, None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        return 0, {"error": {"code": "network", "message": str(error)}}


def read_credentials(data_dir: Path) -> dict:
    path = data_dir / "demo-credentials"
    if not path.exists():
        sys.exit(f"demo-rush: {path} not found; run `klelite seed-demo --data-dir {data_dir}` (or `make run`) first")
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value
    return values


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def choose_sale(base: str, wanted: str | None, max_wait: float) -> dict:
    """The sale to rush: the one named, else the demo's running sale, else any active one. A named sale that
    has not opened yet is waited for, up to max_wait seconds."""
    if wanted:
        status, sale = call(base, "GET", f"/api/v1/flash-sales/{wanted}")
        if status != 200:
            sys.exit(f"demo-rush: no flash sale {wanted!r} ({status})")
        if sale["status"] == "scheduled":
            status, clock = call(base, "GET", "/api/v1/flash-sales/time")
            server_now = parse_time(clock["now"]) if status == 200 and clock and "now" in clock else time.time()
            delay = parse_time(sale["startsAt"]) - server_now
            if delay > max_wait:
                sys.exit(f"demo-rush: {sale['name']} opens in {int(delay)} s, more than --max-wait {int(max_wait)} s")
            print(f"Waiting {max(0, int(delay))} s for {sale['name']} to open…", flush=True)
            deadline = time.monotonic() + max(0.0, delay) + 10
            while time.monotonic() < deadline:
                time.sleep(0.5)
                status, sale = call(base, "GET", f"/api/v1/flash-sales/{wanted}")
                if status == 200 and sale["status"] == "active":
                    break
        if sale["status"] != "active":
            sys.exit(f"demo-rush: {sale['name']} is {sale['status']}, not active")
        return sale
    status, listing = call(base, "GET", "/api/v1/flash-sales?status=active")
    if status != 200:
        sys.exit(f"demo-rush: cannot list flash sales at {base} ({status}); is the shop running?")
    sales = listing["items"]
    if not sales:
        sys.exit("demo-rush: no flash sale is running")
    return next((sale for sale in sales if sale["slug"] == "demo-gio-vang"), sales[0])


def stock(base: str, sale_id: str) -> dict:
    status, body = call(base, "GET", f"/api/v1/flash-sales/{sale_id}/stock")
    return {item["productId"]: item for item in body["items"]} if status == 200 and body else {}


def rush(base: str, sale: dict, token: str, attempts: int, spread: float, checkout: bool, start: threading.Barrier, log: list):
    limits = {item["productId"]: item["perUserLimit"] for item in sale["items"]}
    mine = {product: 0 for product in limits}
    start.wait(timeout=30)
    for _ in range(attempts):
        if spread:
            time.sleep(random.uniform(0, spread))
        left = stock(base, sale["id"])
        open_items = [(p, s["remaining"]) for p, s in left.items() if s["remaining"] > 0 and mine.get(p, 0) < limits.get(p, 0)]
        if not open_items:
            break
        product, remaining = random.choice(open_items)
        quantity = min(limits[product] - mine[product], remaining)
        status, body = call(base, "POST", f"/api/v1/flash-sales/{sale['id']}/reserve", {"productId": product, "quantity": quantity}, token)
        code = (body or {}).get("error", {}).get("code") if status != 201 else "reserved"
        log.append(code)
        if status == 201:
            mine[product] += quantity
        elif code in ("rate_limited", "not_active", "network"):
            break
    if checkout and any(mine.values()):
        status, body = call(base, "POST", "/api/v1/orders", {"address": ADDRESS, "paymentMethod": "cod", "note": "demo rush"}, token)
        log.append("ordered" if status == 201 else f"order failed: {(body or {}).get('error', {}).get('code', status)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the shop's address")
    parser.add_argument("--data-dir", default="data", type=Path, help="where demo-credentials is")
    parser.add_argument("--sale", help="id or slug of the sale (default: the demo's running sale)")
    parser.add_argument("--attempts", type=int, default=5, help="reservation attempts per customer (max 5: the shop's rate limit)")
    parser.add_argument("--spread", type=float, default=2.0, help="random pause before each attempt, in seconds (0 = all at once)")
    parser.add_argument("--max-wait", type=float, default=180, help="longest wait for a named sale to open, in seconds")
    parser.add_argument("--no-checkout", dest="checkout", action="store_false", help="only reserve; do not place orders")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    credentials = read_credentials(args.data_dir)
    emails = [email for email in credentials.get("CUSTOMER_EMAILS", "").split(",") if email]
    sale = choose_sale(base, args.sale, args.max_wait)

    tokens = []
    for email in emails:
        status, body = call(base, "POST", "/api/v1/auth/login", {"email": email, "password": credentials["CUSTOMER_PASSWORD"]})
        if status == 200:
            tokens.append(body["accessToken"])
        else:
            print(f"demo-rush: {email} could not sign in ({status})", file=sys.stderr)
    if not tokens:
        sys.exit("demo-rush: no demo customer could sign in")

    print(f"Rushing {sale['name']} with {len(tokens)} customers…", flush=True)
    start = threading.Barrier(len(tokens))
    logs = [[] for _ in tokens]
    workers = [threading.Thread(target=rush, args=(base, sale, token, min(args.attempts, 5), args.spread, args.checkout, start, log))
               for token, log in zip(tokens, logs)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=min(args.attempts, 5) * (args.spread + 12) + 30)

    outcomes = {}
    for log in logs:
        for entry in log:
            outcomes[entry] = outcomes.get(entry, 0) + 1
    print("Attempts: " + ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items())))
    final = stock(base, sale["id"])
    names = {item["productId"]: item["productName"] for item in sale["items"]}
    for product, item in final.items():
        print(f"  {names.get(product, product)}: {item['quantity']} units, {item['confirmed']} sold, {item['held']} held, {item['remaining']} left")
    sold_out = bool(final) and all(item["remaining"] == 0 for item in final.values())
    print("Sold out." if sold_out else "Not sold out.")
    return 0 if sold_out else 1


if __name__ == "__main__":
    sys.exit(main())
