"""The rows of BENCHMARKS.md that `make bench` measures over HTTP or across processes (rows 1-3 and 7-9);
rows 4-6 come from the in-process harness (bench/Harness, `klelite-bench`)."""

import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import time
import uuid

import benchlib as lib
from streams import fan_out, percentile

ADDRESS = {"name": "Bench Buyer", "phone": "0901234567", "line": "1 Đường Bench", "ward": "Phường 1", "district": "Quận 1",
           "city": "Hồ Chí Minh"}


class Shop:
    """One shop for rows 1-3, 7 and 8, seeded before it starts: 10,000 rush buyers, 5,000 checkout customers with a
    3-line cart each, one admin, the rush sale (stock 1,000, limit 2) and a deep sale for the stock streams."""

    def __init__(self, work, buyers=10_000, checkout_users=5_000, name="shop", reference=True, **env):
        self.data = os.path.join(work, name)
        lib.prepare_shop(self.data)
        with lib.connect(self.data) as db:
            self.buyers = lib.seed_users(db, buyers, "buyer")
            self.checkout = lib.seed_users(db, checkout_users, "checkout")
            lib.seed_carts(db, self.checkout, lines=3)
            self.admin = lib.seed_users(db, 1, "admin", role="admin")[0]
            self.rush_sale, self.rush_product = lib.seed_sale(db, 1_000, 2, "Bench rush")
            self.stream_sale, self.stream_product = lib.seed_sale(db, 1_000_000, 1_000, "Bench streams")
        self.files = {}
        for name, users in (("buyers", self.buyers), ("checkout", self.checkout)):
            path = os.path.join(self.data, f"{name}.tokens")
            with open(path, "w") as out:
                out.write("\n".join(token for (_, _, token) in users) + "\n")
            self.files[name] = path
        self.server = lib.Server(self.data, **env)
        self.reference = None
        if not reference:
            return
        status, body = lib.request("GET", self.server.url("/api/v1/products?limit=20"))
        if status != 200:
            raise RuntimeError(f"GET /api/v1/products answered {status}")
        self.catalogue_json = os.path.join(work, "products.json")
        with open(self.catalogue_json, "wb") as out:
            out.write(body)
        # The reference runs its tasks where the shop runs them (TASK_EXECUTOR from the environment, else its default).
        executor = os.environ.get("TASK_EXECUTOR", "dispatch")
        self.reference = lib.Server(
            self.data, "bench-reference-server", "--json-file", self.catalogue_json, "--task-executor", executor, ready_path="/plain"
        )

    def stop(self):
        if self.reference:
            self.reference.stop()
        self.server.stop()


HTTP_ROUTES = (("plain", "reference", "/plain"), ("json", "reference", "/json"), ("healthz", "server", "/healthz"),
               ("products", "server", "/api/v1/products?limit=20"))


def http_rows(shop, seconds, rounds=5):
    """Rows 1 and 2: the bare routes and ours, wrk -t2 -c64, in `rounds` rounds of `seconds` per route, one route after
    another in each round, every other round in the reverse order. The shared box moves a route's rate by a third within
    minutes (bench/PROFILES.md, ninth round), so each round's ratio to the plain route is taken within seconds of its
    reference, and the rows report the median ratio over the rounds; the rates are each route's answers over its time in
    all rounds, the p99 the worst round's. The order turns because the box drifts within a round too: in one order the
    catalogue, always measured last, always stood furthest from its reference (twelfth round)."""
    per_round = []
    for index in range(rounds):
        order = HTTP_ROUTES if index % 2 == 0 else HTTP_ROUTES[::-1]
        per_round.append({name: lib.wrk(getattr(shop, side).url(path), seconds, server=getattr(shop, side))
                          for name, side, path in order})
    runs = {}
    for name, _, _ in HTTP_ROUTES:
        reports = [one[name] for one in per_round]
        merged = dict(reports[0])
        merged["requests"] = sum(r["requests"] for r in reports)
        merged["duration_us"] = sum(r["duration_us"] for r in reports)
        merged["rps"] = merged["requests"] / (merged["duration_us"] / 1e6)
        merged["p99_us"] = max(r["p99_us"] for r in reports)
        merged["errors"] = sum(r["errors"] for r in reports)
        merged["non2xx"] = sum(r.get("non2xx", 0) for r in reports)
        cpu = [r["server_cpu_us"] for r in reports if "server_cpu_us" in r]
        if cpu:
            merged["server_cpu_us"] = round(statistics.median(cpu), 1)
        runs[name] = merged
    runs["rounds"] = [{name: round(one[name]["rps"]) for name, _, _ in HTTP_ROUTES} for one in per_round]
    runs["json_bytes"] = os.path.getsize(shop.catalogue_json)
    runs["order"] = "alternating"
    return runs


def plain_rate(shop, seconds=3):
    """The plain reference route's rate now: what row 3 is compared with, measured right before and right after it."""
    return lib.wrk(shop.reference.url("/plain"), seconds, server=shop.reference)["rps"]


RESERVE_ROUTE = "/api/v1/flash-sales/{id}/reserve"


def route_answers(server, route, method="POST"):
    """The server's own count of `method route`'s answers by status (`hb_requests` on `/metrics`, which counts every
    answer, errors included, by route and status), and how many requests of `method` are still in flight."""
    status, body = lib.request("GET", server.url("/metrics"))
    if status != 200:
        raise RuntimeError(f"GET /metrics answered {status}")
    counts, active = {}, 0
    for line in body.decode().splitlines():
        match = re.fullmatch(r'(hb_requests|http_server_active_requests)\{(.*)\} ([0-9.e+]+)', line)
        if not match:
            continue
        labels = dict(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', match.group(2)))
        if labels.get("http_request_method") != method:
            continue
        if match.group(1) == "http_server_active_requests":
            active = int(float(match.group(3)))
        elif labels.get("http_route") == route:
            code = int(labels["http_response_status_code"])
            counts[code] = counts.get(code, 0) + int(float(match.group(3)))
    return counts, active


def rush_row(shop, seconds, attempts, segments=5):
    """Row 3: every buyer rotates through the rush sale's reserve route until `attempts` answers (or `seconds` per
    segment). The answers' statuses are the server's own per-route counts (`/metrics`) before and after: rotate.lua reads
    the answers as report.lua does, without handing each one to Lua (bench/profiles/reserve.md, fifth round).

    The attempts run in `segments` runs of wrk, and with a reference server the plain route is measured before the first
    and after each: a segment's rate is compared with the plain route right before and right after it, so the row's
    ratio (the segments' median) never sets a rush in one of the box's speeds against a reference in the other
    (bench/PROFILES.md, ninth round)."""
    path = f"/api/v1/flash-sales/{shop.rush_sale}/reserve"
    plains = [plain_rate(shop)] if shop.reference else []
    before, _ = route_answers(shop.server, RESERVE_ROUTE)
    parts = []
    for index in range(segments):
        share = attempts // segments + (attempts % segments if index == segments - 1 else 0)
        parts.append(lib.wrk(
            shop.server.url(path), seconds, script="rotate.lua",
            env={"BENCH_TOKENS": shop.files["buyers"], "BENCH_METHOD": "POST", "BENCH_PATH": path,
                 "BENCH_BODY": json.dumps({"productId": shop.rush_product, "quantity": 1}), "BENCH_MAX": str(share)},
            stop_early=True, server=shop.server,
        ))
        settle = time.monotonic() + 30
        while route_answers(shop.server, RESERVE_ROUTE)[1] > 0 and time.monotonic() < settle:
            time.sleep(0.05)
        if shop.reference:
            plains.append(plain_rate(shop))
    report = dict(parts[0])
    for key in ("requests", "errors", "non2xx", "duration_us", "active_us"):
        report[key] = sum(part.get(key) or 0 for part in parts)
    report["p99_us"] = max(part["p99_us"] for part in parts)
    cpu = [(part["server_cpu_us"], part["requests"]) for part in parts if "server_cpu_us" in part]
    if cpu:
        report["server_cpu_us"] = round(sum(us * n for us, n in cpu) / sum(n for _, n in cpu), 1)
    report["segments"] = [
        {"requests": part["requests"], "active_us": part.get("active_us") or part["duration_us"],
         **({"plain_before": plains[index], "plain_after": plains[index + 1]} if plains else {})}
        for index, part in enumerate(parts)
    ]
    # The requests wrk left unanswered when it stopped (at most one per connection) end before the counts are read.
    deadline = time.monotonic() + 30
    after, active = route_answers(shop.server, RESERVE_ROUTE)
    while active > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        after, active = route_answers(shop.server, RESERVE_ROUTE)
    answers = {code: after.get(code, 0) - before.get(code, 0) for code in after}
    # The statuses are only as good as this read of /metrics: the server answered at least every answer wrk counted, and
    # at most one more per connection per wrk run (what wrk left unread when it stopped) plus those it lost to socket errors.
    server_answers = sum(answers.values())
    if not report["requests"] <= server_answers <= report["requests"] + 64 * len(parts) + report["errors"]:
        raise RuntimeError(f"/metrics counted {server_answers} answers to {RESERVE_ROUTE}, wrk {report['requests']}: "
                           "the route or status labels may have changed")
    report.update(
        in_flight_after=active, server_answers=server_answers, s2xx=sum(n for code, n in answers.items() if code < 300), s409=answers.get(409, 0),
        s429=answers.get(429, 0), s4xx=sum(n for code, n in answers.items() if 400 <= code < 500 and code not in (409, 429)),
        s5xx=sum(n for code, n in answers.items() if code >= 500))
    status, body = lib.request("GET", shop.server.url(f"/api/v1/flash-sales/{shop.rush_sale}/stock"))
    item = json.loads(body)["items"][0] if status == 200 else {}
    with lib.connect(shop.data) as db:
        stored = db.execute(
            "SELECT COALESCE(SUM(quantity), 0), COUNT(DISTINCT userId) FROM reservation WHERE saleId = ? AND status IN"
            " ('reserved', 'ordered', 'confirmed')", (shop.rush_sale,)).fetchone()
        over_limit = db.execute(
            "SELECT COUNT(*) FROM (SELECT userId FROM reservation WHERE saleId = ? AND status IN ('reserved', 'ordered',"
            " 'confirmed') GROUP BY userId HAVING SUM(quantity) > 2)", (shop.rush_sale,)).fetchone()[0]
    report.update(api_taken=item.get("held", 0) + item.get("confirmed", 0), api_remaining=item.get("remaining"),
                  sqlite_taken=stored[0], sqlite_buyers=stored[1], over_limit=over_limit)
    return report


def redis_rush_row(work, seconds, attempts):
    """Row 3r: row 3's rush against the Redis ledger: `klelite serve` with STOCK_BACKEND=redis and REDIS_URL on a
    redis-server of our own (free loopback port, no persistence, stopped by its PID). Besides row 3's checks (API and
    SQLite take exactly the stock, nobody over the limit), the item's counters are read back from Redis itself."""
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        return {"skipped": "redis-server or redis-cli is not installed"}
    port = lib.free_port()
    directory = os.path.join(work, "redis")
    os.makedirs(directory, exist_ok=True)
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def cli(*args):
        return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=10).stdout.split()

    shop = None
    try:
        deadline = time.monotonic() + 10
        while cli("PING") != ["PONG"]:
            if time.monotonic() > deadline or redis.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        try:
            shop = Shop(work, name="shop-redis", reference=False, STOCK_BACKEND="redis", REDIS_URL=f"redis://127.0.0.1:{port}")
        except RuntimeError as error:
            log = os.path.join(work, "shop-redis")
            lines = [line for name in os.listdir(log) if name.startswith("server-") for line in open(os.path.join(log, name))]
            return {"skipped": f"`klelite serve` with STOCK_BACKEND=redis exits at start-up: {lines[-1].strip() if lines else error}"}
        report = rush_row(shop, seconds, attempts)
        # RedisStockLedger's item hash (ids without ':' or '%' are not escaped); held = quantity - remaining - confirmed.
        item = f"klelite:stock:sale:{shop.rush_sale}:item:{shop.rush_product}"
        counters = cli("HMGET", item, "quantity", "remaining", "confirmed")
        if len(counters) == 3 and all(value.lstrip("-").isdigit() for value in counters):
            quantity, remaining, confirmed = (int(value) for value in counters)
            report["redis_taken"] = quantity - remaining
        per_user = cli("HVALS", item + ":users")
        report["redis_over_limit"] = sum(1 for value in per_user if value.isdigit() and int(value) > 2)
        return report
    finally:
        if shop:
            shop.stop()
        redis.terminate()
        redis.wait(timeout=10)


def group_commit(server, commit):
    """The server's counters of one group commit (`klelite_group_commit_*{commit=...}` on `/metrics`): groups, callers,
    and the writer's wall and CPU seconds inside them."""
    status, body = lib.request("GET", server.url("/metrics"))
    if status != 200:
        raise RuntimeError(f"GET /metrics answered {status}")
    values = {}
    for line in body.decode().splitlines():
        match = re.fullmatch(r'klelite_group_commit_([a-z_]+)_total\{commit="([a-z]+)"\} ([0-9.e+-]+)', line)
        if match and match.group(2) == commit:
            values[match.group(1)] = float(match.group(3))
    return values


def checkout_row(shop, seconds):
    """Row 8: each checkout customer places one order of their 3-line cart (cash on delivery). With it, what the
    checkouts' group commit cost the one writer: while the orders came in, how much of the time it held a group
    transaction, and its CPU time per order."""
    before = group_commit(shop.server, "checkout")
    report = lib.wrk(
        shop.server.url("/api/v1/orders"), seconds, script="rotate.lua",
        env={"BENCH_TOKENS": shop.files["checkout"], "BENCH_METHOD": "POST", "BENCH_PATH": "/api/v1/orders",
             "BENCH_BODY": json.dumps({"address": ADDRESS, "paymentMethod": "cod"}), "BENCH_MAX": str(len(shop.checkout)),
             "BENCH_STRIDE_ONCE": "1"},
    )
    # wrk reports its full -d even when every thread stopped early: time the orders by their own createdAt instead.
    with lib.connect(shop.data) as db:
        count, span = db.execute('SELECT COUNT(*), (julianday(MAX(createdAt)) - julianday(MIN(createdAt))) * 86400 FROM "order"').fetchone()
    report.update(orders=count, orders_span_s=span)
    after = group_commit(shop.server, "checkout")
    report["writer"] = {key: after.get(key, 0) - before.get(key, 0) for key in ("groups", "callers", "writer_seconds", "writer_cpu_seconds")}
    return report


def stream_rows(shop, stock_streams, notification_streams):
    """Row 7: stock streams of one sale and one reserve; notification streams and one admin broadcast."""
    idle_rss = shop.server.rss_kib()
    buyer = shop.buyers[-1][2]
    stock = fan_out(
        shop.server.port, lambda i: f"/api/v1/flash-sales/{shop.stream_sale}/stream", None, stock_streams, b"event: stock",
        lambda: lib.request("POST", shop.server.url(f"/api/v1/flash-sales/{shop.stream_sale}/reserve"), buyer,
                            {"productId": shop.stream_product, "quantity": 1}),
        on_open=shop.server.rss_kib, server_pid=shop.server.process.pid, quiet_rounds=3,
    )
    tokens = [token for (_, _, token) in shop.buyers[:notification_streams]]
    notes = fan_out(
        shop.server.port, lambda i: "/api/v1/notifications/stream", tokens, notification_streams, b"event: notification",
        lambda: lib.request("POST", shop.server.url("/api/v1/admin/notifications"), shop.admin[2],
                            {"title": f"Bench broadcast {uuid.uuid4()}", "body": "A benchmark broadcast."}),
        on_open=shop.server.rss_kib, server_pid=shop.server.process.pid, quiet_rounds=3,
    )
    for result in (stock, notes):
        summarize_fan_out(result)
    stock["idle_rss_kib"], stock["open_rss_kib"] = idle_rss, stock.pop("extra")
    notes["open_rss_kib"] = notes.pop("extra")
    return {"stock": stock, "notifications": notes}


def summarize_fan_out(result):
    """Replaces `fan_out`'s per-stream delays by their percentiles: the live client's (kernel and read times), each
    quiet round's (kernel times), and those of every quiet round's deliveries together (the figure); the CPU times are
    the quiet rounds' medians."""
    delays, reads = result.pop("delays_ms"), result.pop("read_delays_ms")
    result.update(p50_ms=percentile(delays, 0.5), p99_ms=percentile(delays, 0.99), max_ms=max(delays) if delays else None,
                  delivered=len(delays), read_p50_ms=percentile(reads, 0.5), read_p99_ms=percentile(reads, 0.99))
    rounds, pooled = [], []
    for measured in result.pop("quiet_rounds"):
        quiet = measured.pop("delays_ms")
        pooled += quiet
        rounds.append({"p50_ms": percentile(quiet, 0.5), "p99_ms": percentile(quiet, 0.99), "max_ms": max(quiet) if quiet else None,
                       "missed": measured["missed"], "server_cpu_ms": measured["server_cpu_ms"],
                       "client_cpu_ms": measured["client_cpu_ms"]})
    result["quiet_rounds"] = rounds
    result.update(quiet_p50_ms=percentile(pooled, 0.5), quiet_p99_ms=percentile(pooled, 0.99),
                  quiet_max_ms=max(pooled) if pooled else None, quiet_missed=max(r["missed"] for r in rounds))
    for key in ("server_cpu_ms", "client_cpu_ms"):
        values = [r[key] for r in rounds if r[key] is not None]
        result["quiet_" + key] = statistics.median(values) if values else None


def startup_row(work, rows=1_000_000):
    """Row 9: `klelite serve` over a database holding `rows` reservations, from spawn to the first 200 of /readyz."""
    data = os.path.join(work, "startup")
    lib.prepare_shop(data)
    with lib.connect(data) as db:
        users = [user_id for (user_id, _, _) in lib.seed_users(db, 10_000, "holder")]
        sale, product = lib.seed_sale(db, 3_000_000, 1_000, "Bench start-up")
        moment = lib.now()
        expires, created = lib.sql_time(moment + datetime.timedelta(hours=2)), lib.sql_time(moment)
        statuses = ["released"] * 8 + ["confirmed", "reserved"]

        def batch(start):
            for index in range(start, min(start + 100_000, rows)):
                status = statuses[index % 10]
                yield (str(uuid.uuid4()), sale, product, users[index % len(users)], status, expires,
                       "expired" if status == "released" else None, created, created)

        for start in range(0, rows, 100_000):
            db.executemany(
                "INSERT INTO reservation (id, saleId, productId, userId, quantity, salePrice, status, expiresAt, releasedReason,"
                " createdAt, updatedAt) VALUES (?, ?, ?, ?, 1, 1000, ?, ?, ?, ?, ?)", batch(start))
        count = db.execute("SELECT COUNT(*) FROM reservation").fetchone()[0]
    subprocess.run(["sync"], check=False, timeout=60)
    server = lib.Server(data)
    try:
        status, body = lib.request("GET", server.url(f"/api/v1/flash-sales/{sale}/stock"))
        item = json.loads(body)["items"][0] if status == 200 else {}
    finally:
        server.stop()
    return {"ready_seconds": server.ready_after, "reservation_rows": count, "held": item.get("held"),
            "confirmed": item.get("confirmed"), "expected_held": rows // 10, "expected_confirmed": rows // 10}


def harness_rows(work, seconds):
    """Rows 4-6: the release harness, one benchmark per process."""
    figures = {}
    binary = os.path.join(lib.ROOT, ".build-release/release/klelite-bench")
    for name in ("ledger", "reservations", "jobs"):
        done = subprocess.run([binary, name, "--data-dir", os.path.join(work, f"harness-{name}"), "--seconds", str(seconds)],
                              capture_output=True, text=True, timeout=seconds * 8 + 60)
        if done.returncode != 0:
            figures[f"{name}_error"] = done.stderr.strip()[-300:]
        for line in done.stdout.splitlines():
            figure = json.loads(line)
            figures[figure["name"]] = figure
    return figures
