"""The appliance as an operator meets it: start, health, pages, configuration errors, signals, backups."""
import socket
import sqlite3
import ssl
import subprocess
import threading
import time

import pytest
import requests

from conftest import BIN, ROOT, Server, base_env, eventually, run_cli, tls_files


def test_health_readiness_and_storefront_page(server):
    assert requests.get(server.url("/healthz")).json() == {"status": "ok"}
    ready = requests.get(server.url("/readyz"))
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    page = requests.get(server.url("/"))
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "KLeLite" in page.text
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Request-Id"]


def test_unknown_route_gets_json_error_envelope(server):
    response = requests.get(server.url("/api/v1/does-not-exist"))
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["requestId"] == response.headers["X-Request-Id"]


def test_openapi_and_metrics_are_served(server):
    spec = requests.get(server.url("/api/v1/openapi.yaml"))
    assert spec.status_code == 200 and spec.text.startswith("openapi: 3.1.0")
    requests.get(server.url("/healthz"))
    metrics = requests.get(server.url("/metrics"))
    assert metrics.status_code == 200
    assert "hb_requests" in metrics.text or "http_requests" in metrics.text


def _serve_and_expect_config_error(args, data_dir, env=None):
    result = subprocess.run(
        [BIN, "serve", "--data-dir", str(data_dir), *args],
        cwd=ROOT, env=env or base_env(), capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 78, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Fatal error" not in result.stderr and "Stack" not in result.stderr
    return lines[0]


def test_invalid_port_is_one_clear_line_naming_the_key(data_dir):
    for value in ["abc", "70000"]:
        line = _serve_and_expect_config_error(["--port", value], data_dir)
        assert line.startswith(f'klelite: configuration error: HTTP_PORT="{value}"'), line
        assert "1 to 65535" in line
    line = _serve_and_expect_config_error([], data_dir, env=base_env(HTTP_PORT="abc"))
    assert "HTTP_PORT" in line and "environment" in line


def test_malformed_configuration_file_line_is_named(tmp_path, data_dir):
    conf = tmp_path / "shop.conf"
    conf.write_text("# my shop\nHTTP_HOST=127.0.0.1\nHTTP_PORT 8080\n")
    line = _serve_and_expect_config_error(["--config", str(conf)], data_dir)
    assert f"{conf}:3" in line and "KEY=VALUE" in line
    conf.write_text("HTTP_PROT=8080\n")
    line = _serve_and_expect_config_error(["--config", str(conf)], data_dir)
    assert "HTTP_PROT" in line and f"{conf}:1" in line


# ServiceGroup's debug line when services outlive the graceful budget (10 s) and are cancelled instead.
ESCALATED = "Graceful shutdown took longer than allowed"


@pytest.mark.parametrize("transport", ["http", "tls"])
def test_sigterm_with_a_slow_request_open_exits_cleanly(data_dir, tmp_path, transport):
    # Over TLS too: the stalled body is ended from inside the connection's pipeline (NIOSSL cannot close a read side alone).
    env, client, ca = base_env(LOG_LEVEL="debug"), None, None
    if transport == "tls":
        settings, ca = tls_files(tmp_path)
        env.update(settings)
        client = ssl.create_default_context(cafile=ca)
    server = Server(data_dir, env=env, trusted_ca=ca).start()
    # A slow client: a sign-in's headers and the first bytes of its body, then silence. It must not hold shutdown
    # hostage: the server stops cleanly without escalating to cancellation. (How fast is measured in bench/.)
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    if client:
        slow = client.wrap_socket(slow, server_hostname="127.0.0.1")
    try:
        slow.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"email\":")
        eventually(lambda: "/api/v1/auth/login" in server.output(), "the server logged the slow request")
        code, took = server.terminate(timeout=60)
        assert code == 0, server.output()
        assert "stopped cleanly" in server.output()
        assert ESCALATED not in server.output(), server.output()[-2000:]
        # Over TLS the closing connection waits for the silent client's close_notify: 1 s (TLSConfiguration.shutdownTimeout).
        assert took < 4, took
        # The stalled body was abandoned with the shop's 503; a hung connection raises TimeoutError.
        answer = b""
        while b"}}" not in answer:  # the envelope's end (over TLS the head and the body come in records of their own)
            more = slow.recv(4096)
            if not more:
                break
            answer += more
        assert answer.startswith(b"HTTP/1.1 503"), answer
        assert b'"code":"unavailable"' in answer, answer
        # The shutdown closes the connection after this answer, and the answer says so.
        assert b"\r\nconnection: close\r\n" in answer.split(b"\r\n\r\n")[0].lower() + b"\r\n", answer
    finally:
        slow.close()
        server.stop()  # already exited: closes its log


def test_cli_commands_migrate_a_fresh_directory(tmp_path):
    fresh = tmp_path / "fresh"
    migrated = run_cli("migrate", data_dir=fresh)
    assert migrated.returncode == 0, migrated.stderr
    assert "migrations applied" in migrated.stdout
    seeded = run_cli("seed-demo", data_dir=tmp_path / "other")
    assert seeded.returncode == 0, seeded.stderr
    assert "20 products added" in seeded.stdout
    again = run_cli("seed-demo", data_dir=tmp_path / "other")
    assert "0 products added" in again.stdout
    only_if_empty = run_cli("seed-demo", "--only-if-empty", data_dir=tmp_path / "other")
    assert "nothing added" in only_if_empty.stdout


def test_generated_secrets_are_private(server):
    secrets = server.data_dir / "secrets"
    assert secrets.exists()
    assert secrets.stat().st_mode & 0o777 == 0o600
    assert "JWT_SECRET=" in secrets.read_text()


def test_backup_while_serving_passes_integrity_check(tmp_path, data_dir):
    assert run_cli("seed-demo", data_dir=data_dir).returncode == 0
    server = Server(data_dir).start()
    stop = threading.Event()
    errors = []

    def load():
        session = requests.Session()
        while not stop.is_set():
            try:
                if session.get(server.url("/readyz"), timeout=5).status_code != 200:
                    errors.append("not ready")
            except requests.RequestException as error:
                errors.append(str(error))

    def write_more():
        # A second writer process while the backup runs: open a new demo sale in the live database each time.
        while not stop.is_set():
            run_cli("seed-demo", "--catalog-only", "--flash-sale", data_dir=data_dir)

    threads = [threading.Thread(target=load) for _ in range(4)] + [threading.Thread(target=write_more)]
    for thread in threads:
        thread.start()
    try:
        for index in range(3):
            target = tmp_path / f"backup-{index}.sqlite"
            result = run_cli("backup", "--to", str(target), data_dir=data_dir)
            assert result.returncode == 0, result.stderr
            assert "integrity_check: ok" in result.stdout
            with sqlite3.connect(target) as copy:
                assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert copy.execute("SELECT count(*) FROM product").fetchone()[0] == 20
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        server.stop()
    assert errors == []


def test_kill_9_mid_writes_loses_nothing_acknowledged(data_dir):
    """kill -9 while sign-ups are in flight: every account the server answered 201 for is there after a restart."""
    server = Server(data_dir, env=base_env(AUTH_RATE_PER_MINUTE="10000")).start()
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()

    def sign_up(worker: int):
        for n in range(10_000):
            if stop.is_set():
                return
            email = f"w{worker}-{n}@example.vn"
            try:
                response = requests.post(server.url("/api/v1/auth/register"), timeout=10,
                                         json={"email": email, "password": "banhmi2024", "name": "Lan"})
            except requests.RequestException:
                return  # the server died under this request: it was never acknowledged
            if response.status_code == 201:
                with lock:
                    acknowledged.append(email)

    writers = [threading.Thread(target=sign_up, args=(worker,)) for worker in range(4)]
    for writer in writers:
        writer.start()
    try:
        eventually(lambda: len(acknowledged) >= 20, "20 sign-ups acknowledged")
        server.kill()  # mid-storm: the writers still have requests in flight
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    restarted = Server(data_dir).start()
    try:
        with sqlite3.connect(data_dir / "klelite.sqlite") as db:
            stored = {row[0] for row in db.execute("SELECT email FROM user")}
        missing = set(acknowledged) - stored
        assert not missing, f"{len(missing)} acknowledged sign-ups lost: {sorted(missing)[:5]}"
        assert requests.get(restarted.url("/readyz"), timeout=5).status_code == 200
    finally:
        restarted.stop()
