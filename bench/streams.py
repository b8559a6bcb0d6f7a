"""Row 7 of `make bench`: many live SSE streams held open by one client, and how long one change takes to reach every
one of them. Raw non-blocking sockets on one epoll (no client library, no asyncio: a Python task per socket cost the
client more than the server's whole fan-out). Each stream notes the first event that matches after the trigger twice:
when the kernel put its bytes into the client's socket (`SO_TIMESTAMPNS`, the server's delivery time, independent of
how fast this one process reads 10,000 sockets) and when this client read it (what a single-core Python reader adds)."""

import os
import select
import socket
import struct
import threading
import time

import benchlib as lib

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; the control message type has the same number
TIMESPEC = struct.Struct("@ll")


class Stream:
    def __init__(self, index):
        self.index = index
        self.sock = None
        self.buffer = b""
        self.head = False
        self.opened = False
        self.failed = None
        self.started = None
        self.arrived = None  # kernel receive time (CLOCK_REALTIME) of the first match after the trigger
        self.read_at = None  # this client's time.time() when it read that match


def _kernel_time(ancillary):
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= TIMESPEC.size:
            seconds, nanoseconds = TIMESPEC.unpack_from(data)
            return seconds + nanoseconds / 1e9
    return None


def _connect(port, path, token):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.connect(("127.0.0.1", port))  # loopback: the kernel completes the handshake from the listen backlog
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n{auth}\r\n".encode())
    sock.setblocking(False)
    return sock


def _read_opening(stream, match):
    """Reads what the socket holds while the stream opens; marks it open at its `connected` comment or first match."""
    try:
        chunk = stream.sock.recv(65536)
    except BlockingIOError:
        return
    if not chunk:
        stream.failed = "closed while opening"
        return
    stream.buffer += chunk
    if not stream.head:
        if b"\r\n\r\n" not in stream.buffer:
            return
        head, stream.buffer = stream.buffer.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0]
        if b" 200 " not in status:
            stream.failed = status.decode(errors="replace")
            return
        stream.head = True
    if b"connected" in stream.buffer or match in stream.buffer:
        stream.opened = True
        stream.buffer = stream.buffer[-len(match):]


def _discard(stream, poller):
    """Reads and drops what an open stream holds (before the trigger); stops watching a stream the server closed."""
    try:
        if not stream.sock.recv(65536):
            poller.unregister(stream.sock.fileno())
    except BlockingIOError:
        pass


def fan_out(port, path_for, tokens, count, match, trigger, open_timeout=180, deliver_timeout=30, on_open=None, server_pid=None,
            quiet_rounds=1):
    """Opens `count` streams (path_for(i), tokens[i] or None) 256 at a time, waits until each has its opening, then runs
    `trigger()` (a blocking call, in a thread) once with this client reading as bytes arrive and `quiet_rounds` times with
    it off the cores until the server is idle (``_measure``). Returns, for the live round at the top level and for each
    quiet one in `quiet_rounds`: per-stream delivery delays in ms (by the kernel's receive time; the live round also by
    this client's read time), the number missed, and the CPU time this client and the server spent from the trigger to
    the last delivery (to tell whose cost the delays are)."""
    streams = [Stream(i) for i in range(count)]
    poller = select.epoll()
    by_fd = {}
    begun = time.monotonic()
    pending, opening, failures = 0, set(), []
    while (pending < count or opening) and time.monotonic() - begun < open_timeout:
        while pending < count and len(opening) < 256:
            stream = streams[pending]
            pending += 1
            try:
                stream.sock = _connect(port, path_for(stream.index), tokens[stream.index] if tokens else None)
            except OSError as error:
                stream.failed = repr(error)
                failures.append(stream.failed)
                continue
            stream.started = time.monotonic()
            by_fd[stream.sock.fileno()] = stream
            poller.register(stream.sock.fileno(), select.EPOLLIN)
            opening.add(stream)
        for fd, _ in poller.poll(0.05):
            stream = by_fd[fd]
            if stream in opening:
                _read_opening(stream, match)
            elif stream.sock:
                _discard(stream, poller)
        now = time.monotonic()
        for stream in list(opening):
            if stream.opened or stream.failed or now - stream.started > 60:
                opening.discard(stream)
                if not stream.opened:
                    stream.failed = stream.failed or "no opening event within 60 s"
                    failures.append(stream.failed)
                    poller.unregister(stream.sock.fileno())
                    stream.sock.close()
                    stream.sock = None
    opened = time.monotonic() - begun
    extra = on_open() if on_open else None
    settle = time.monotonic() + 1.5  # let opening ticks settle: nothing changes until the trigger
    while time.monotonic() < settle:
        for fd, _ in poller.poll(0.05):
            _discard(by_fd[fd], poller)
    live = [s for s in streams if s.sock]
    result = {"open_failures": len(failures), "open_seconds": opened, "first_failure": failures[0] if failures else None,
              "extra": extra}
    result["quiet_rounds"] = []
    for quiet in [False] + [True] * quiet_rounds:
        measured = _measure(live, by_fd, poller, trigger, match, quiet, server_pid, deliver_timeout)
        measured["missed"] = count - len(measured["delays_ms"])
        if quiet:
            result["quiet_rounds"].append(measured)
        else:
            result.update(measured)
        settle = time.monotonic() + 0.5  # what a trigger left (a late heartbeat) is read before the next
        while time.monotonic() < settle:
            for fd, _ in poller.poll(0.05):
                _discard(by_fd[fd], poller)
    for stream in streams:
        if stream.sock:
            stream.sock.close()
    poller.close()
    return result


def _wait_for_idle_server(worker, server_pid, deadline):
    """The quiet client's wait: the trigger answered, then the server's CPU time (10 ms ticks) unchanged for 100 ms."""
    worker.join(timeout=max(0.0, deadline - time.monotonic()))
    last, still_since = lib.cpu_seconds(server_pid), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - still_since < 0.1:
        time.sleep(0.01)
        now = lib.cpu_seconds(server_pid)  # whole ticks: the sub-tick background of an idle server does not count
        if now != last:
            last, still_since = now, time.monotonic()


def _measure(live, by_fd, poller, trigger, match, quiet, server_pid, deliver_timeout):
    """Runs `trigger` once and notes each live stream's first match after it. A quiet client reads nothing until the
    server has gone idle (the kernel's receive timestamps still say when each stream's bytes arrived): the server has the
    two cores to itself, as it would with its clients on other machines; a live one reads every socket as bytes arrive,
    sharing the cores with the server."""
    for stream in live:
        stream.buffer, stream.arrived, stream.read_at = b"", None, None
    client_cpu, server_cpu = time.process_time(), lib.process_cpu_seconds(server_pid) if server_pid else None
    sent = time.time()
    worker = threading.Thread(target=trigger)
    worker.start()
    deadline = time.monotonic() + deliver_timeout
    if quiet and server_pid:
        _wait_for_idle_server(worker, server_pid, deadline)
    waiting = len(live)
    while waiting and time.monotonic() < deadline:
        for fd, _ in poller.poll(0.05):
            stream = by_fd[fd]
            if stream.sock is None:
                continue
            try:
                data, ancillary, _, _ = stream.sock.recvmsg(65536, socket.CMSG_SPACE(TIMESPEC.size))
            except BlockingIOError:
                continue
            if not data:
                poller.unregister(fd)
                continue
            arrived = _kernel_time(ancillary) or time.time()
            # What the kernel took in before the trigger was sent is a leftover of an earlier round, not a delivery.
            if stream.arrived is None and arrived >= sent and match in stream.buffer + data:
                stream.read_at = time.time()
                stream.arrived = arrived
                waiting -= 1
            stream.buffer = data[-len(match):]
    client_cpu = time.process_time() - client_cpu
    server_after = lib.process_cpu_seconds(server_pid) if server_pid else None
    server_cpu = server_after - server_cpu if server_after is not None and server_cpu is not None else None
    worker.join(timeout=60)
    return {"delays_ms": sorted((s.arrived - sent) * 1000 for s in live if s.arrived is not None),
            "read_delays_ms": sorted((s.read_at - sent) * 1000 for s in live if s.read_at is not None),
            "client_cpu_ms": client_cpu * 1000, "server_cpu_ms": server_cpu * 1000 if server_cpu is not None else None}


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))
    return ordered[rank]
