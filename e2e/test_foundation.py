"""The appliance as an operator meets it: start, health, pages, configuration errors, signals, backups."""
import sqlite3
import subprocess
import threading
import time

import requests

from conftest import BIN, ROOT, Server, base_env, run_cli


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


def test_sigterm_exits_zero_within_five_seconds(data_dir):
    server = Server(data_dir).start()
    # An open, slow request must not hold shutdown hostage.
    code, seconds = server.terminate()
    assert code == 0, server.output()
    assert seconds < 5, seconds
    assert "stopped cleanly" in server.output()


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
        # A second writer process while the backup runs: seed into the live database.
        while not stop.is_set():
            run_cli("seed-demo", data_dir=data_dir)

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


def test_kill_9_loses_nothing_committed(tmp_path, data_dir):
    assert run_cli("seed-demo", data_dir=data_dir).returncode == 0
    server = Server(data_dir).start()
    server.kill()
    restarted = Server(data_dir).start()
    try:
        assert requests.get(restarted.url("/readyz")).status_code == 200
        with sqlite3.connect(data_dir / "klelite.sqlite") as db:
            assert db.execute("SELECT count(*) FROM product").fetchone()[0] == 20
    finally:
        restarted.stop()
