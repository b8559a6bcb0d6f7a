"""`klelite serve` from any directory (issue 11, "Running anywhere"), and idle keep-alive connections closed."""
import socket
import subprocess
import time

import requests

from conftest import BIN, ROOT, base_env, eventually, free_port


def start_in(cwd, data_dir, env) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(data_dir.parent / f"server-{port}.log", "wb")
    process = subprocess.Popen([BIN, "serve", "--data-dir", str(data_dir), "--port", str(port)], cwd=cwd, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def ready():
        assert process.poll() is None, (data_dir.parent / f"server-{port}.log").read_text(errors="replace")
        try:
            return requests.get(base + "/readyz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    try:
        eventually(ready, f"{base}/readyz", interval=0.1)
    except AssertionError:
        process.kill()
        raise
    return process, base


def stop(process: subprocess.Popen):
    process.terminate()
    process.wait(timeout=15)


def test_serve_from_another_directory_without_static_dir_serves_pages_and_spec(tmp_path):
    env = base_env()
    env.pop("STATIC_DIR")
    process, base = start_in("/tmp", tmp_path / "data", env)
    try:
        page = requests.get(base + "/", timeout=5)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.status_code
        assert page.content == (ROOT / "static" / "index.html").read_bytes()
        script = requests.get(base + "/js/api.js", timeout=5)
        assert script.status_code == 200 and script.content == (ROOT / "static" / "js" / "api.js").read_bytes()
        spec = requests.get(base + "/api/v1/openapi.yaml", timeout=5)
        assert spec.status_code == 200 and spec.content == (ROOT / "openapi.yaml").read_bytes()
    finally:
        stop(process)


def test_an_idle_keep_alive_connection_is_closed(tmp_path):
    process, base = start_in(ROOT, tmp_path / "data", base_env(HTTP_IDLE_TIMEOUT_SECONDS="1"))
    try:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n")
            # Then say nothing: the server answers and later closes the connection (recv returns b"") instead of
            # keeping it open forever (the socket's 15 s timeout would raise).
            received = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
            assert received.startswith(b"HTTP/1.1 200"), received
    finally:
        stop(process)
