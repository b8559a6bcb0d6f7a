"""Shared parts of `make bench` (bench/run.py): a fresh shop on a free loopback port, buyers seeded straight into
SQLite with signed access tokens (no bcrypt, no login round trips), and wrk runs that report as JSON.
Every process started here is ours and is stopped by its PID; every wait is bounded."""

import base64
import datetime
import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("KLELITE_BENCH_BIN") or os.path.join(ROOT, ".build-release/release/klelite")
JWT_SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sql_time(moment):
    """GRDB's text format for a Date (UTC)."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def access_token(user_id, session_id, role="customer", lifetime=3600):
    """An HS256 access token as AccessTokens issues it (sub, sid, role, iat, exp), signed with JWT_SECRET."""
    issued = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"sub": user_id, "sid": session_id, "role": role, "iat": issued, "exp": issued + lifetime}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(JWT_SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def environment(data_dir, **extra):
    env = dict(os.environ)
    env.update(
        DATA_DIR=data_dir, LOG_LEVEL="warning", BCRYPT_COST="4", JWT_SECRET=JWT_SECRET, AUTH_RATE_PER_MINUTE="10000",
        RESERVE_RATE_PER_MINUTE="10000", STREAMS_PER_CLIENT="20000", PAYMENT_PROVIDER="none", MAIL_TRANSPORT="file",
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def klelite(data_dir, *args, timeout=120):
    subprocess.run([BIN, *args], env=environment(data_dir), check=True, timeout=timeout, stdout=subprocess.DEVNULL)


def prepare_shop(data_dir):
    """Migrated, with the demo catalogue, and shelves deep enough for any checkout run."""
    klelite(data_dir, "migrate")
    klelite(data_dir, "seed-demo", "--catalog-only")
    with connect(data_dir) as db:
        db.execute("UPDATE product SET stock = 100000000")


def connect(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "klelite.sqlite"), timeout=30)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def seed_users(db, count, prefix, role="customer"):
    """`count` accounts, each with one open session; returns [(user_id, session_id, token)]."""
    moment = sql_time(now())
    rows = []
    for index in range(count):
        user_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
        rows.append((user_id, session_id, access_token(user_id, session_id, role)))
    db.executemany(
        "INSERT INTO user (id, email, name, role, passwordHash, isDisabled, createdAt, updatedAt) VALUES (?, ?, ?, ?, 'x', 0, ?, ?)",
        [(u, f"{prefix}-{i}@bench.local", f"{prefix} {i}", role, moment, moment) for i, (u, _, _) in enumerate(rows)],
    )
    db.executemany(
        "INSERT INTO session (id, userId, createdAt, lastUsedAt) VALUES (?, ?, ?, ?)",
        [(s, u, moment, moment) for (u, s, _) in rows],
    )
    return rows


def seed_sale(db, quantity, per_user_limit, name):
    """An active flash sale of one product, written before the server starts (its ledger is rebuilt from it)."""
    sale_id = str(uuid.uuid4())
    product_id = db.execute("SELECT id FROM product WHERE isActive = 1 ORDER BY id LIMIT 1").fetchone()[0]
    start, end = now() - datetime.timedelta(minutes=1), now() + datetime.timedelta(hours=2)
    db.execute(
        "INSERT INTO flashSale (id, slug, name, description, startsAt, endsAt, status, earlyAccessMinutes, createdAt, updatedAt)"
        " VALUES (?, ?, ?, '', ?, ?, 'active', 0, ?, ?)",
        (sale_id, f"bench-{sale_id[:8]}", name, sql_time(start), sql_time(end), sql_time(start), sql_time(start)),
    )
    db.execute(
        "INSERT INTO flashSaleItem (saleId, productId, salePrice, quantity, perUserLimit) VALUES (?, ?, 1000, ?, ?)",
        (sale_id, product_id, quantity, per_user_limit),
    )
    return sale_id, product_id


def seed_carts(db, users, lines=3):
    """A cart of `lines` different products for each user."""
    products = [row[0] for row in db.execute("SELECT id FROM product WHERE isActive = 1 AND deletedAt IS NULL ORDER BY id LIMIT ?", (lines,))]
    moment = sql_time(now())
    carts = [(str(uuid.uuid4()), user_id) for (user_id, _, _) in users]
    db.executemany("INSERT INTO cart (id, userId, createdAt, updatedAt) VALUES (?, ?, ?, ?)", [(c, u, moment, moment) for c, u in carts])
    db.executemany(
        "INSERT INTO cartItem (cartId, productId, quantity, addedAt) VALUES (?, ?, 1, ?)",
        [(c, p, moment) for c, _ in carts for p in products],
    )


class Server:
    """`klelite serve` (or another klelite command) on a free loopback port; stopped by PID."""

    def __init__(self, data_dir, *args, ready_path="/readyz", **env):
        self.port = free_port()
        self.log = open(os.path.join(data_dir, f"server-{self.port}.log"), "w")
        command = [BIN, *(args or ("serve",)), "--port", str(self.port)]
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, env=environment(data_dir, **env), stdout=self.log, stderr=subprocess.STDOUT)
        self.ready_after = self.wait_ready(ready_path)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, path, limit=120):
        while time.monotonic() - self.started < limit:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url(path), timeout=2) as answer:
                    if answer.status == 200:
                        return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"server not ready after {limit} s")

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def request(method, url, token=None, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def cpu_seconds(pid):
    """User + system CPU time a process has used so far (from /proc), or None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def process_cpu_seconds(pid):
    """CPU time the process has used so far, to the nanosecond (its process CPU clock, as `clock_getcpuclockid` gives it:
    threads that ended count too): for short windows, where /proc/PID/stat's 10 ms ticks are too coarse. None if it
    cannot be read."""
    try:
        return time.clock_gettime_ns((~pid << 3) | 2) / 1e9
    except OSError:
        return None


def wrk(url, seconds, connections=64, threads=2, script="report.lua", env=None, timeout_slack=30, stop_early=False,
        server=None):
    """Runs wrk with one of bench/lua's scripts; returns its JSON report (rates, p50/p99 in µs, statuses).

    With `stop_early` (rotate.lua's threads stop at their share of BENCH_MAX) wrk is interrupted (SIGINT, as Ctrl-C) once
    every thread has left its marker: otherwise its main thread sleeps the whole -d, and its runtime and its latency
    correction (one expected answer per connection every runtime / (answers / connections)) would use -d, not the span
    the requests took.

    With `server` (a running ``Server``) the report also holds `server_cpu_us`: the server's CPU time (user + system, from
    /proc) over the run divided by wrk's answers — what a request cost the server, which a shared box's other work changes
    far less than the rate."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
               "-s", os.path.join(ROOT, "bench/lua", script), url]
    with tempfile.TemporaryDirectory(prefix="wrk-stop-") as stop_dir:
        run_env = dict(os.environ, BENCH_THREADS=str(threads), BENCH_CONNECTIONS=str(connections), **(env or {}))
        if stop_early:
            run_env["BENCH_STOP_DIR"] = stop_dir
        cpu_before = cpu_seconds(server.process.pid) if server else None
        process = subprocess.Popen(command, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + seconds + timeout_slack
        try:
            while stop_early and process.poll() is None and time.monotonic() < deadline:
                if len(os.listdir(stop_dir)) >= threads:
                    process.send_signal(signal.SIGINT)
                    break
                time.sleep(0.02)
            stdout, stderr = process.communicate(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise RuntimeError(f"wrk ran past {seconds + timeout_slack} s")
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            report = json.loads(line[len("WRKJSON "):])
            report["command"] = " ".join(command)
            cpu_after = cpu_seconds(server.process.pid) if server else None
            if cpu_before is not None and cpu_after is not None and report.get("requests"):
                report["server_cpu_us"] = round((cpu_after - cpu_before) * 1e6 / report["requests"], 1)
            return report
    raise RuntimeError(f"wrk printed no report: {done.stdout[-500:]} {done.stderr[-500:]}")
