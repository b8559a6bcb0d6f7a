"""One ledger per shop (issue 18): with STOCK_BACKEND=memory one `serve` owns a DATA_DIR. A second one is refused
with a clear line, kill -9 leaves no stale lock, a rolling restart hands over without overlap, CLI commands still
run beside the server, and a sale the CLI creates reaches the live server's ledger without a restart."""
import subprocess

import requests

from conftest import BIN, ROOT, Server, base_env, eventually, free_port, run_cli

ENV = dict(AUTH_RATE_PER_MINUTE="10000", RESERVE_RATE_PER_MINUTE="10000")


def wait_ready(server: Server, timeout: float):
    """Polls /readyz until it answers 200."""
    def ready():
        assert server.process.poll() is None, server.output()
        try:
            return requests.get(server.url("/readyz"), timeout=0.5).status_code == 200
        except requests.RequestException:
            return False

    eventually(ready, f"{server.base_url}/readyz", timeout=timeout, interval=0.02)


def launch(data_dir, env=None, port=None) -> Server:
    """Starts `klelite serve` without waiting for it."""
    server = Server(data_dir, env=env or base_env(**ENV))
    if port is not None:
        server.port = port
        server.base_url = f"http://127.0.0.1:{port}"
        server.log_path = data_dir.parent / f"server-{port}-next.log"
    server.data_dir.mkdir(parents=True, exist_ok=True)
    server.log = open(server.log_path, "ab")
    server.process = subprocess.Popen(
        [BIN, "serve", "--data-dir", str(server.data_dir), "--port", str(server.port)],
        cwd=ROOT, env=server.env, stdout=server.log, stderr=subprocess.STDOUT,
    )
    return server


def test_a_second_server_on_the_same_data_dir_is_refused_naming_the_holder(data_dir):
    first = Server(data_dir, env=base_env(**ENV)).start()
    try:
        second = subprocess.run(
            [BIN, "serve", "--data-dir", str(data_dir), "--port", str(free_port())],
            cwd=ROOT, env=base_env(**ENV), capture_output=True, text=True, timeout=20,
        )
        assert second.returncode != 0
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, second.stderr
        assert f"PID {first.process.pid}" in lines[0] and "STOCK_BACKEND=redis" in lines[0], lines[0]
        # The first one still serves.
        assert requests.get(first.url("/readyz"), timeout=5).status_code == 200
    finally:
        first.stop()


def test_cli_commands_run_beside_a_live_server(data_dir, tmp_path):
    server = Server(data_dir, env=base_env(**ENV)).start()
    try:
        # The demo catalogue: the full demo shop replays forty days of history on its own clock, which a live
        # server's sale clock would race; `make run` seeds it before serving.
        for args in (["migrate"], ["seed-demo", "--catalog-only"], ["create-admin", "--email", "boss@klelite.vn", "--password", "bakery2024"],
                     ["backup", "--to", str(tmp_path / "shop.sqlite")]):
            result = run_cli(*args, data_dir=data_dir, env=base_env(**ENV))
            assert result.returncode == 0, (args, result.stderr)
        assert requests.get(server.url("/api/v1/products/croissant-bo-phap"), timeout=5).status_code == 200
    finally:
        server.stop()


def test_kill_9_leaves_no_stale_lock(data_dir):
    first = Server(data_dir, env=base_env(**ENV)).start()
    first.kill()
    second = Server(data_dir, env=base_env(**ENV)).start(timeout=15)
    try:
        assert requests.get(second.url("/readyz"), timeout=5).status_code == 200
    finally:
        second.stop()


def test_rolling_restart_hands_over_without_overlap(data_dir):
    first = Server(data_dir, env=base_env(**ENV)).start()
    second = launch(data_dir, env=base_env(DATA_DIR_LOCK_WAIT_SECONDS="60", **ENV), port=first.port)
    try:
        eventually(lambda: second.process.poll() is None and "waiting for it to stop" in second.output(), "the newcomer waits")
        assert second.process.poll() is None, second.output()
        # The newcomer waits and sells nothing while the old server still owns the data folder.
        assert requests.get(first.url("/readyz"), timeout=5).status_code == 200
        code, _ = first.terminate()
        assert code == 0, first.output()
        wait_ready(second, timeout=30)  # how soon after is measured in bench/
    finally:
        first.stop()
        second.stop()


def test_a_sale_created_by_the_cli_becomes_reservable_without_a_restart(data_dir):
    run_cli("seed-demo", "--catalog-only", data_dir=data_dir, env=base_env(**ENV))
    server = Server(data_dir, env=base_env(**ENV)).start()
    try:
        token = requests.post(server.url("/api/v1/auth/register"), timeout=10, json={
            "email": "lan@example.vn", "password": "banhmi2024", "name": "Lan"}).json()["accessToken"]
        created = run_cli("seed-demo", "--catalog-only", "--flash-sale", data_dir=data_dir, env=base_env(**ENV))
        assert created.returncode == 0, created.stderr
        sales = requests.get(server.url("/api/v1/flash-sales?status=active"), timeout=5).json()["items"]
        assert len(sales) == 1, sales
        sale, product = sales[0]["id"], sales[0]["items"][0]["productId"]
        def reserved():
            response = requests.post(server.url(f"/api/v1/flash-sales/{sale}/reserve"), timeout=5,
                                     headers={"Authorization": f"Bearer {token}"}, json={"productId": product, "quantity": 1})
            if response.status_code != 201:
                assert response.json()["error"]["code"] == "not_active", response.text
            return response.status_code == 201

        # The server picks it up from the database (DESIGN: within a second; the timing is bench/'s to measure).
        eventually(reserved, "the server's ledger heard of the sale")
        stock = requests.get(server.url(f"/api/v1/flash-sales/{sale}/stock"), timeout=5).json()["items"]
        assert next(item for item in stock if item["productId"] == product)["held"] == 1
    finally:
        server.stop()


def test_the_full_demo_seed_is_refused_beside_a_live_server(data_dir):
    """The full demo replays its history on its own clock, which a live server's sale clock would race: while a
    server holds DATA_DIR, seed-demo writes nothing and says why; once it stops, the same command seeds."""
    server = Server(data_dir, env=base_env(**ENV)).start()
    try:
        refused = run_cli("seed-demo", data_dir=data_dir, env=base_env(**ENV))
        assert refused.returncode == 75, (refused.returncode, refused.stdout, refused.stderr)
        assert "seed-demo cannot run beside" in refused.stderr and f"PID {server.process.pid}" in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert not (data_dir / "demo-credentials").exists()
        assert requests.get(server.url("/api/v1/flash-sales"), timeout=5).json()["items"] == []
        assert requests.get(server.url("/api/v1/products"), timeout=5).json()["total"] == 0
    finally:
        server.stop()
    seeded = run_cli("seed-demo", data_dir=data_dir, env=base_env(**ENV))
    assert seeded.returncode == 0 and "Demo shop:" in seeded.stdout, seeded.stdout + seeded.stderr


def test_a_bad_redis_url_is_refused_at_start_up(data_dir):
    result = subprocess.run(
        [BIN, "serve", "--data-dir", str(data_dir), "--port", str(free_port())],
        cwd=ROOT, env=base_env(STOCK_BACKEND="redis", REDIS_URL="rediss://127.0.0.1:1"), capture_output=True, text=True,
        timeout=20,
    )
    assert result.returncode == 78, result.stderr
    assert "REDIS_URL" in result.stderr
