"""Live streams are capped per client address (issue 11, Resources): 16 open, the 17th gets 429, and a closed
stream's slot comes back (at the latest when the server's next heartbeat finds the socket gone). Every stream
of a sale gets the same stock event bytes."""
import socket
import time

import requests

from conftest import Server, base_env, eventually, run_cli


def open_stream(port: int, path: str) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: shop\r\n\r\n".encode())
    received = b""
    while b"data: " not in received or b"\n\n" not in received[received.index(b"data: "):]:
        chunk = sock.recv(65536)
        assert chunk, received
        received += chunk
    return sock, received


def test_live_streams_are_capped_per_address_and_share_one_snapshot(data_dir):
    run_cli("seed-demo", "--flash-sale", data_dir=data_dir, env=base_env())
    server = Server(data_dir).start()
    sockets = []
    try:
        sale = requests.get(server.url("/api/v1/flash-sales?status=active"), timeout=5).json()["items"][0]["id"]
        path = f"/api/v1/flash-sales/{sale}/stream"
        openings = []
        for _ in range(16):
            sock, received = open_stream(server.port, path)
            assert received.startswith(b"HTTP/1.1 200"), received
            sockets.append(sock)
            event = received[received.index(b"id: "):]
            openings.append(event[:event.index(b"\n\n")])
        assert len(set(openings)) == 1, openings[:2]
        refused = requests.get(server.url(path), stream=True, timeout=10)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        refused.close()
        sockets.pop().close()
        def slot_back():
            again = requests.get(server.url(path), stream=True, timeout=10)
            status = again.status_code
            again.close()
            assert status in (200, 429), status
            return status == 200

        # The server notices the closed socket on its next heartbeat (15 s).
        eventually(slot_back, "the closed stream's slot came back", timeout=45, interval=0.2)
    finally:
        for sock in sockets:
            sock.close()
        server.stop()
