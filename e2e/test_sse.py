"""Live notifications over SSE through the real binary: headers and first bytes at once, an event after
commit, Last-Event-ID replay, sign-out ending the stream, seven streams beside a GET, and SIGTERM with
fifty streams open."""
import socket
import ssl
import threading
import time

import pytest
import requests

from conftest import Server, base_env, run_cli, tls_files


def signed_in(server: Server, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(server.url("/api/v1/auth/register"), json={"email": email, "password": "banhmi2024", "name": "Lan"},
                            verify=server.trusted_ca or True)
    assert response.status_code == 201
    return session


def admin_session(server: Server) -> requests.Session:
    admin = requests.Session()
    assert admin.post(server.url("/api/v1/auth/login"), json={"email": "boss@klelite.vn", "password": "bakery2024"}).status_code == 200
    return admin


class EventReader:
    """Reads an open SSE response incrementally, across several waits."""

    def __init__(self, response):
        self.chunks = response.iter_content(chunk_size=None, decode_unicode=True)
        self.text = ""

    def until(self, condition, timeout=15.0) -> str:
        """Reads until `condition(all text so far)` holds; returns the text read by this call."""
        start = len(self.text)
        deadline = time.monotonic() + timeout
        while not condition(self.text) and time.monotonic() < deadline:
            self.text += next(self.chunks)
        return self.text[start:]


def read_events(response, until, timeout=15.0):
    return EventReader(response).until(until, timeout)


def test_stream_headers_first_bytes_live_event_replay_and_sign_out(data_dir):
    run_cli("create-admin", "--email", "boss@klelite.vn", "--password", "bakery2024", data_dir=data_dir)
    server = Server(data_dir).start()
    try:
        shopper = signed_in(server, "lan@example.vn")
        stream = shopper.get(server.url("/api/v1/notifications/stream"), stream=True, timeout=15)
        assert stream.status_code == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        assert stream.headers["Cache-Control"] == "no-cache" and stream.headers["X-Accel-Buffering"] == "no"
        reader = EventReader(stream)
        opening = reader.until(lambda t: "event: unread" in t)
        assert opening.startswith("retry: 5000\n: connected\n\n")

        admin = admin_session(server)
        csrf = {"X-CSRF-Token": admin.cookies.get("klelite_csrf")}
        sent = admin.post(server.url("/api/v1/admin/notifications"), json={"title": "Bánh mới", "body": "Croissant hạnh nhân"}, headers=csrf)
        assert sent.status_code == 202
        live = reader.until(lambda t: "event: notification" in t and '"count":1' in t)
        assert "Bánh mới" in live
        event_id = int(live.split("id: ")[1].split("\n")[0])

        # Sign-out on another connection ends the open stream.
        ended = threading.Event()

        def drain():
            for _ in reader.chunks:
                pass
            ended.set()

        threading.Thread(target=drain, daemon=True).start()
        assert shopper.post(server.url("/api/v1/auth/logout"), headers={"X-CSRF-Token": shopper.cookies.get("klelite_csrf")}).status_code == 204
        assert ended.wait(10)

        # A reconnect with Last-Event-ID replays what came after it.
        again = requests.Session()
        again.post(server.url("/api/v1/auth/login"), json={"email": "lan@example.vn", "password": "banhmi2024"})
        admin.post(server.url("/api/v1/admin/notifications"), json={"title": "Thứ hai", "body": "x"}, headers=csrf)
        time.sleep(0.5)
        replay = again.get(server.url("/api/v1/notifications/stream"), headers={"Last-Event-ID": str(event_id)}, stream=True, timeout=15)
        replayed = read_events(replay, lambda t: "event: unread" in t)
        assert "Thứ hai" in replayed and "Bánh mới" not in replayed
        replay.close()
    finally:
        server.stop()


def test_seven_streams_and_a_get_all_complete(data_dir):
    server = Server(data_dir).start()
    try:
        shopper = signed_in(server, "lan@example.vn")
        streams = [shopper.get(server.url("/api/v1/notifications/stream"), stream=True, timeout=10) for _ in range(7)]
        for stream in streams:
            assert "event: unread" in read_events(stream, lambda t: "event: unread" in t)
        assert requests.get(server.url("/api/v1/products"), timeout=5).status_code == 200
        for stream in streams:
            stream.close()
    finally:
        server.stop()


def test_sigterm_with_fifty_open_streams_ends_them_and_exits_cleanly(data_dir):
    # LOG_LEVEL=debug shows ServiceGroup's line when services outlive the graceful budget and are cancelled instead.
    server = Server(data_dir, env=base_env(STREAMS_PER_CLIENT="100", LOG_LEVEL="debug")).start()
    sockets = []
    try:
        shopper = signed_in(server, "lan@example.vn")  # inside: a failed sign-in still stops the server
        cookie = "; ".join(f"{k}={v}" for k, v in shopper.cookies.items())
        for _ in range(50):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.sendall(f"GET /api/v1/notifications/stream HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
            sockets.append(sock)
        for sock in sockets:
            assert b"200 OK" in sock.recv(4096)
        code, _ = server.terminate(timeout=60)  # a hang guard; how fast is measured in bench/
        assert code == 0
        assert "stopped cleanly" in server.output()
        assert "Graceful shutdown took longer than allowed" not in server.output()
        for sock in sockets:  # each stream was ended by the server: the chunked body's last chunk, then EOF
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
            assert received.endswith(b"0\r\n\r\n"), received[-200:]
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def test_streams_closed_one_after_another_free_their_slots_at_once(data_dir):
    """Fast page-to-page browsing from one address: forty streams, each opened and closed before the next, at the default
    STREAMS_PER_CLIENT (16). A closed stream's slot is freed when its connection closes, not at its next heartbeat
    (15 s later), so none of them is refused with 429."""
    server = Server(data_dir).start()
    try:
        shopper = signed_in(server, "lan@example.vn")  # inside: a failed sign-in still stops the server
        cookie = "; ".join(f"{k}={v}" for k, v in shopper.cookies.items())
        statuses = []
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(f"GET /api/v1/notifications/stream HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
                received = b""
                while b"event: unread" not in received and b"rate_limited" not in received:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    received += chunk
                statuses.append(received.split(b" ", 2)[1].decode() if received else "none")
        assert statuses == ["200"] * 40, statuses
    finally:
        server.stop()


def chunked_body(received: bytes) -> bytes:
    """The body of one complete chunked HTTP/1.1 response (head, chunks, last chunk), each chunk's size checked against
    its bytes: a stream's events must arrive as well-formed chunks (the server frames them itself, below NIO's encoder)."""
    head, rest = received.split(b"\r\n\r\n", 1)
    assert b"transfer-encoding: chunked" in head.lower(), head
    body = b""
    while True:
        size_line, rest = rest.split(b"\r\n", 1)
        size = int(size_line, 16)
        if size == 0:
            assert rest == b"\r\n", rest[:100]
            return body
        assert len(rest) >= size + 2 and rest[size:size + 2] == b"\r\n", (size, rest[:size + 10])
        body, rest = body + rest[:size], rest[size + 2:]


@pytest.mark.parametrize("transport", ["http", "tls"])
def test_a_request_after_a_stream_the_server_ended_is_answered_on_the_same_connection(data_dir, tmp_path, transport):
    """Nothing reads a stream's connection while the stream is open (a handler in its pipeline watches for the client
    leaving), so a stream the server ends (here by sign-out) leaves a usable keep-alive connection: the next request on
    it is answered. Its events arrive as well-formed chunks, over TLS too (written below the HTTP encoder, into the TLS
    handler)."""
    env, ca = base_env(), None
    if transport == "tls":
        settings, ca = tls_files(tmp_path)
        env.update(settings)
    server = Server(data_dir, env=env, trusted_ca=ca).start()
    try:
        shopper = signed_in(server, "lan@example.vn")  # inside: a failed sign-in still stops the server
        cookie = "; ".join(f"{k}={v}" for k, v in shopper.cookies.items())
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        if ca:
            sock = ssl.create_default_context(cafile=ca).wrap_socket(sock, server_hostname="127.0.0.1")
        with sock:
            sock.sendall(f"GET /api/v1/notifications/stream HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
            received = b""
            while b"event: unread" not in received:
                chunk = sock.recv(4096)
                assert chunk, received
                received += chunk
            logout = shopper.post(server.url("/api/v1/auth/logout"), headers={"X-CSRF-Token": shopper.cookies.get("klelite_csrf")},
                                  verify=ca or True)
            assert logout.status_code == 204
            while not received.endswith(b"0\r\n\r\n"):  # the chunked body's last chunk
                chunk = sock.recv(4096)
                assert chunk, received[-200:]
                received += chunk
            body = chunked_body(received)
            assert body.startswith(b"retry: 5000\n: connected\n\n") and b"event: unread\n" in body, body[:300]
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                assert chunk, "the connection was closed after the stream"
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        server.stop()


def test_a_thousand_streams_each_receive_a_broadcast(data_dir):
    """1,000 concurrent SSE connections (one user, as tabs) all get the same committed event."""
    import selectors

    run_cli("create-admin", "--email", "boss@klelite.vn", "--password", "bakery2024", data_dir=data_dir)
    server = Server(data_dir, env=base_env(STREAMS_PER_CLIENT="2000")).start()
    selector = selectors.DefaultSelector()
    received = {}
    try:
        shopper = signed_in(server, "lan@example.vn")  # inside: a failed sign-in still stops the server
        cookie = "; ".join(f"{k}={v}" for k, v in shopper.cookies.items())
        for index in range(1000):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.sendall(f"GET /api/v1/notifications/stream HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, index)
            received[index] = b""

        def pump(until, timeout):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not all(until(data) for data in received.values()):
                for key, _ in selector.select(timeout=0.2):
                    try:
                        received[key.data] += key.fileobj.recv(65536)
                    except BlockingIOError:
                        pass

        pump(lambda data: b"event: unread" in data, 60)
        assert all(b"event: unread" in data for data in received.values())
        admin = admin_session(server)
        admin.post(server.url("/api/v1/admin/notifications"), json={"title": "Mở bán", "body": "x"},
                   headers={"X-CSRF-Token": admin.cookies.get("klelite_csrf")})
        pump(lambda data: b"event: notification" in data, 60)
        missing = [index for index, data in received.items() if b"event: notification" not in data]
        assert missing == []
    finally:
        for key in list(selector.get_map().values()):
            key.fileobj.close()
        server.stop()
