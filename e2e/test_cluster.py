"""Cluster mode (STOCK_BACKEND=redis): a real redis-server on a free port and two `klelite serve` processes on one
DATA_DIR behave as one shop — shared stock, shared limits, live events and fresh catalogue reads across instances,
503 `stock_unavailable` (never an oversell) while Redis is down, recovery when it returns, the start-up rebuild
and the reconciliation of a skewed key."""
import collections
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests

from conftest import Server, base_env, free_port, run_cli


class RedisServer:
    """A redis-server without persistence (a restart comes back empty), started and stopped by its PID."""

    def __init__(self):
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="klelite-redis-")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.directory,
             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli("PING") == "PONG":
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args) -> str:
        result = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10)
        return result.stdout.strip()

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


def cluster_env(redis: RedisServer) -> dict:
    return base_env(STOCK_BACKEND="redis", REDIS_URL=f"redis://127.0.0.1:{redis.port}", AUTH_RATE_PER_MINUTE="10000",
                    RECONCILE_INTERVAL_SECONDS="1")


def start_both(data_dir, env) -> tuple[Server, Server]:
    servers = [Server(data_dir, env=env), Server(data_dir, env=env)]
    errors = []

    def start(server):
        try:
            server.start()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        for server in servers:
            server.stop()
        raise errors[0]
    return servers[0], servers[1]


@pytest.fixture
def redis():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def cluster(data_dir, redis):
    env = cluster_env(redis)
    run_cli("seed-demo", data_dir=data_dir, env=env)
    run_cli("create-admin", "--email", "boss@klelite.vn", "--password", "bakery2024", data_dir=data_dir, env=env)
    a, b = start_both(data_dir, env)
    yield a, b
    a.stop()
    b.stop()


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def admin_session(server: Server) -> requests.Session:
    admin = requests.Session()
    response = admin.post(server.url("/api/v1/auth/login"), json={"email": "boss@klelite.vn", "password": "bakery2024"})
    assert response.status_code == 200, response.text
    admin.headers["X-CSRF-Token"] = admin.cookies.get("klelite_csrf")
    return admin


def create_sale(server: Server, quantity: int, per_user: int = 1, slug: str = "croissant-bo-phap") -> tuple[str, str]:
    admin = admin_session(server)
    product = requests.get(server.url(f"/api/v1/products/{slug}")).json()["id"]
    # A sale sets its units aside from the product's stock: stock the shelf first.
    stocked = admin.patch(server.url(f"/api/v1/products/{product}"), json={"stock": quantity})
    assert stocked.status_code == 200, stocked.text
    now = datetime.now(timezone.utc) - timedelta(seconds=5)
    sale = admin.post(server.url("/api/v1/admin/flash-sales"), json={
        "name": f"Giờ vàng {quantity}", "startsAt": iso(now), "endsAt": iso(now + timedelta(hours=1)),
        "items": [{"productId": product, "salePrice": 30000, "quantity": quantity, "perUserLimit": per_user}],
    })
    assert sale.status_code == 201, sale.text
    return sale.json()["id"], product


def register(servers, count: int, prefix: str) -> list[tuple[str, str]]:
    def one(index):
        server = servers[index % len(servers)]
        response = requests.post(server.url("/api/v1/auth/register"), json={
            "email": f"{prefix}{index}@example.vn", "password": "banhmi2024", "name": f"Buyer {index}"})
        assert response.status_code == 201, response.text
        body = response.json()
        return body["user"]["id"], body["accessToken"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, range(count)))


def reserve(server: Server, sale: str, product: str, token: str):
    try:
        response = requests.post(server.url(f"/api/v1/flash-sales/{sale}/reserve"), json={"productId": product, "quantity": 1},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return response.status_code, response.json().get("error", {}).get("code"), response.headers.get("Retry-After")
    except requests.RequestException as error:
        return None, type(error).__name__, None


def held_in_sqlite(data_dir, sale: str) -> list[tuple[str, int]]:
    with sqlite3.connect(data_dir / "klelite.sqlite", timeout=10) as db:
        return db.execute(
            "SELECT userId, SUM(quantity) FROM reservation WHERE saleId = ? AND status IN ('reserved', 'ordered', 'confirmed') "
            "GROUP BY userId", (sale,)).fetchall()


def stock(server: Server, sale: str) -> dict:
    return requests.get(server.url(f"/api/v1/flash-sales/{sale}/stock"), timeout=5).json()["items"][0]


def wait_for(what: str, condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (requests.RequestException, KeyError):  # KeyError: a 503 stock_unavailable answer has no items yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {what}")


def test_four_hundred_buyers_across_two_instances_get_exactly_one_hundred(cluster, data_dir):
    a, b = cluster
    sale, product = create_sale(a, 100, per_user=1)
    buyers = register([a, b], 400, "rush")
    # Every buyer tries once on each instance at the same time: the per-user limit must hold across them.
    attempts = [(server, token) for _, token in buyers for server in (a, b)]
    with ThreadPoolExecutor(max_workers=64) as pool:
        results = list(pool.map(lambda attempt: reserve(attempt[0], sale, product, attempt[1]), attempts))
    statuses = collections.Counter(status for status, _, _ in results)
    assert statuses[201] == 100, collections.Counter((s, c) for s, c, _ in results)
    assert set(statuses) <= {201, 409}, statuses
    rows = held_in_sqlite(data_dir, sale)
    assert sum(units for _, units in rows) == 100 and all(units == 1 for _, units in rows)
    for server in (a, b):
        assert stock(server, sale) == {"productId": product, "quantity": 100, "held": 100, "confirmed": 0, "remaining": 0}


def test_a_notification_created_on_a_arrives_on_a_stream_held_on_b(cluster):
    a, b = cluster
    [(_, token)] = register([b], 1, "listener")
    stream = requests.get(b.url("/api/v1/notifications/stream"), headers={"Authorization": f"Bearer {token}"},
                          stream=True, timeout=20)
    assert stream.status_code == 200
    received = []

    def read():
        try:
            for chunk in stream.iter_content(chunk_size=None, decode_unicode=True):
                received.append(chunk)
        except (AttributeError, requests.exceptions.RequestException):
            pass  # the test closed the stream under the reader

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wait_for("the stream opened", lambda: received)
    admin = admin_session(a)
    response = admin.post(a.url("/api/v1/admin/notifications"), json={"title": "Fresh croissants", "body": "Out of the oven"})
    assert response.status_code in (200, 201, 202), response.text
    wait_for("the broadcast on B's stream", lambda: "Fresh croissants" in "".join(received))
    stream.close()


def test_the_reserve_rate_limit_holds_across_instances(cluster):
    a, b = cluster
    sale, product = create_sale(a, 50, per_user=1)
    [(_, token)] = register([a], 1, "hasty")
    results = [reserve((a, b)[index % 2], sale, product, token) for index in range(6)]
    codes = [(status, code) for status, code, _ in results]
    assert codes[0] == (201, None), codes
    assert all(status == 409 for status, _ in codes[1:5]), codes  # the per-user limit, still within 5 a minute
    assert codes[5] == (429, "rate_limited"), codes
    assert results[5][2] is not None


def test_an_admin_product_edit_on_a_is_served_fresh_by_b(cluster):
    """B keeps its catalogue in memory and forgets it when A announces the edit over Redis: fresh within moments
    (the announcement's trip), long before the 10 s backstop of SQLite's data_version."""
    a, b = cluster
    before = requests.get(b.url("/api/v1/products/pain-au-chocolat")).json()
    assert requests.get(b.url("/api/v1/products/pain-au-chocolat")).json()["price"] == before["price"]  # cached on B
    admin = admin_session(a)
    response = admin.patch(a.url(f"/api/v1/products/{before['id']}"), json={"price": before["price"] + 1000})
    assert response.status_code == 200, response.text
    edited = time.monotonic()
    wait_for("B serves the new price", lambda: requests.get(b.url("/api/v1/products/pain-au-chocolat")).json()["price"]
             == before["price"] + 1000, timeout=5)
    assert time.monotonic() - edited < 2


def test_a_sign_out_on_a_ends_the_session_on_b(cluster):
    """B answers a signed-in request from its kept session; A's sign-out, announced over Redis, ends it on B too."""
    a, b = cluster
    [(_, token)] = register([a], 1, "leaving")
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(b.url("/api/v1/auth/me"), headers=bearer).status_code == 200
    assert requests.get(b.url("/api/v1/auth/me"), headers=bearer).status_code == 200  # answered from the copy B keeps
    assert requests.post(a.url("/api/v1/auth/logout"), headers=bearer).status_code == 204
    ended = time.monotonic()
    wait_for("B refuses the ended session", lambda: requests.get(b.url("/api/v1/auth/me"), headers=bearer).status_code == 401,
             timeout=5)
    assert time.monotonic() - ended < 2


def test_redis_killed_mid_rush_answers_503_never_oversells_and_recovers(cluster, data_dir, redis):
    a, b = cluster
    sale, product = create_sale(a, 100, per_user=1)
    buyers = register([a, b], 300, "storm")
    done, lock = [], threading.Lock()

    def attempt(pair):
        index, (_, token) = pair
        result = reserve((a, b)[index % 2], sale, product, token)
        with lock:
            done.append(result)
            if len(done) == 60:
                redis.kill()  # mid-rush: other requests are in flight on both instances
        return result

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(attempt, enumerate(buyers[:200])))
    statuses = collections.Counter(status for status, _, _ in results)
    assert set(statuses) <= {201, 409, 503}, statuses
    unavailable = [result for result in results if result[0] == 503]
    assert len(unavailable) > 100 and all(code == "stock_unavailable" and retry for _, code, retry in unavailable)
    sold_before = statuses[201]
    rows = held_in_sqlite(data_dir, sale)
    assert sum(units for _, units in rows) == sold_before <= 100  # every 201 is a row, and nothing else is
    for server in (a, b):
        assert requests.get(server.url("/readyz")).json()["redis"] == "down"
        assert requests.get(server.url("/api/v1/products?limit=3")).status_code == 200  # browsing keeps working
        assert reserve(server, sale, product, buyers[250][1])[0] == 503
        counters = requests.get(server.url(f"/api/v1/flash-sales/{sale}/stock"))  # the live counters live in Redis
        assert counters.status_code == 503 and counters.json()["error"]["code"] == "stock_unavailable", counters.text
        assert counters.headers.get("Retry-After"), counters.headers
    redis.start()  # on the same port, empty
    wait_for("both instances report Redis up", lambda: all(requests.get(s.url("/readyz")).json().get("redis") == "up" for s in (a, b)))
    wait_for("the ledger is rebuilt from SQLite", lambda: stock(b, sale)["held"] == sold_before)
    with ThreadPoolExecutor(max_workers=16) as pool:
        after = list(pool.map(lambda pair: reserve((a, b)[pair[0] % 2], sale, product, pair[1][1]), enumerate(buyers[200:])))
    assert collections.Counter(status for status, _, _ in after) == {201: 100 - sold_before, 409: sold_before}, after
    rows = held_in_sqlite(data_dir, sale)
    assert sum(units for _, units in rows) == 100 and all(units == 1 for _, units in rows)
    assert stock(a, sale) == {"productId": product, "quantity": 100, "held": 100, "confirmed": 0, "remaining": 0}


def test_the_start_up_rebuild_and_the_reconciliation_repair_a_skewed_key(data_dir, redis):
    env = cluster_env(redis)
    run_cli("seed-demo", data_dir=data_dir, env=env)
    run_cli("create-admin", "--email", "boss@klelite.vn", "--password", "bakery2024", data_dir=data_dir, env=env)
    a, b = start_both(data_dir, env)
    try:
        sale, product = create_sale(a, 20, per_user=2)
        buyers = register([a], 3, "early")
        for _, token in buyers:
            assert reserve(b, sale, product, token)[0] == 201
        a.stop()
        b.stop()
        redis.cli("FLUSHALL")
        a, b = start_both(data_dir, env)
        rebuilt = [server.output().count("stock ledger rebuilt in Redis from SQLite") for server in (a, b)]
        assert stock(a, sale) == {"productId": product, "quantity": 20, "held": 3, "confirmed": 0, "remaining": 17}
        key = f"klelite:stock:sale:{sale}:item:{product}"
        redis.cli("HSET", key, "remaining", "2")  # 15 units lost from Redis
        assert stock(b, sale)["remaining"] == 2
        wait_for("the reconciler repairs the key", lambda: stock(b, sale)["remaining"] == 17)
        assert stock(a, sale)["held"] == 3
        logs = a.output() + b.output()
        assert "stock reconciliation" in logs and "repaired" in logs
        metrics = requests.get(a.url("/metrics")).text + requests.get(b.url("/metrics")).text
        assert "klelite_stock_reconcile_repairs_total" in metrics
        # The two instances started together after the flush: exactly one of them rebuilt Redis.
        assert sum(rebuilt) == 1, rebuilt
    finally:
        a.stop()
        b.stop()
