"""Harness for end-to-end tests: runs the real `klelite` binary on a free loopback port."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

# One Chromium for the whole session, shared by every browser test module (two sync Playwright instances
# cannot run in one process).
from browser import browser  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("KLELITE_BIN", str(ROOT / ".build" / "debug" / "klelite"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in KLELITE_KEYS}
    env.update({"BCRYPT_COST": "4", "LOG_LEVEL": "info", "STATIC_DIR": str(ROOT / "static")})
    env.update(extra)
    return env


KLELITE_KEYS = {
    "HTTP_HOST", "HTTP_PORT", "DATA_DIR", "STATIC_DIR", "PUBLIC_URL", "TLS_CERT", "TLS_KEY", "CORS_ORIGINS",
    "MAX_BODY_BYTES", "JWT_SECRET", "BCRYPT_COST", "STOCK_BACKEND", "REDIS_URL", "MAIL_TRANSPORT",
    "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS", "SMTP_CA_FILE", "MAIL_FROM",
    "PAYMENT_WEBHOOK_SECRET", "PAYMENT_PROVIDER", "RESERVATION_TTL_SECONDS", "RESERVE_RATE_PER_MINUTE",
    "AUTH_RATE_PER_MINUTE", "FREE_SHIPPING_THRESHOLD", "SHIPPING_FEE", "CURRENCY", "LOG_LEVEL",
    "TRUSTED_PROXIES", "METRICS_TOKEN", "GUEST_CARTS_PER_HOUR",
    "DATA_DIR_LOCK_WAIT_SECONDS", "HTTP_IDLE_TIMEOUT_SECONDS", "STREAMS_PER_CLIENT", "RECONCILE_INTERVAL_SECONDS",
}


def eventually(condition, what: str, timeout: float = 30.0, interval: float = 0.05):
    """Polls `condition()` until it returns something truthy, and returns that; fails the test with `what` once
    `timeout` seconds pass without it. The one polling loop of the e2e tests: the timeout guards against a hang and
    is no timing goal (those are measured in bench/), so keep it well above what the work needs on a busy box."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for: {what}")
        time.sleep(interval)


def run_cli(*args, data_dir, env=None, timeout=60) -> subprocess.CompletedProcess:
    """Runs a klelite subcommand to completion from the repository root."""
    return subprocess.run(
        [BIN, *args, "--data-dir", str(data_dir)],
        cwd=ROOT, env=env or base_env(), capture_output=True, text=True, timeout=timeout,
    )


def tls_files(folder: Path) -> tuple[dict, str]:
    """A certificate for 127.0.0.1 signed by a CA made for the test (trustme): the server's `TLS_CERT`/`TLS_KEY`
    settings and the CA file a client trusts."""
    import trustme

    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    cert, key, ca = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    return {"TLS_CERT": str(cert), "TLS_KEY": str(key)}, str(ca)


class Server:
    """One running `klelite serve` process with its own data directory and port."""

    def __init__(self, data_dir: Path, env: dict | None = None, extra_args=(), trusted_ca: str | None = None):
        """`trusted_ca`: the server speaks TLS (`TLS_CERT` and `TLS_KEY` in `env`) with a certificate this CA file signed."""
        self.data_dir = data_dir
        self.port = free_port()
        self.trusted_ca = trusted_ca
        self.base_url = f"{'https' if trusted_ca else 'http'}://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self.env = env or base_env()
        self.extra_args = list(extra_args)
        self.process = None

    def start(self, timeout=30.0):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [BIN, "serve", "--data-dir", str(self.data_dir), "--port", str(self.port), *self.extra_args],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"klelite exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(self.base_url + "/readyz", timeout=1, verify=self.trusted_ca or True).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"klelite did not become ready in {timeout}s:\n{self.output()}")

    def url(self, path: str) -> str:
        return self.base_url + path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def terminate(self, timeout=10.0) -> tuple[int, float]:
        """Sends SIGTERM; returns the exit code and the seconds it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            try:
                self.terminate()
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def server(data_dir):
    running = Server(data_dir).start()
    yield running
    running.stop()
