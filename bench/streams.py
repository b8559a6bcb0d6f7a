"""Row 7 of `make bench`: many live SSE streams held open by one asyncio client, and how long one change takes to
reach every one of them. Raw sockets (no client library): a stream is read event by event, and each connection
notes when the first event that matches arrives after the trigger."""

import asyncio
import time


class Stream:
    def __init__(self):
        self.reader = None
        self.writer = None
        self.opened = asyncio.Event()
        self.armed = False
        self.arrived = None
        self.task = None


async def _open(port, path, token, stream, match):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n{auth}\r\n".encode())
    await writer.drain()
    stream.reader, stream.writer = reader, writer
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
    buffer = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            if match in event:
                if stream.armed and stream.arrived is None:
                    stream.arrived = time.monotonic()
                stream.opened.set()
            elif b"connected" in event:
                stream.opened.set()


async def fan_out(port, path_for, tokens, count, match, trigger, open_timeout=180, deliver_timeout=30, on_open=None):
    """Opens `count` streams (path_for(i), tokens[i] or None), waits until each has its opening, runs `trigger()`
    (a blocking call, in a thread), and returns per-stream delivery delays in ms and the number missed."""
    streams = [Stream() for _ in range(count)]
    semaphore = asyncio.Semaphore(256)

    async def start(index):
        async with semaphore:
            stream = streams[index]
            stream.task = asyncio.create_task(_open(port, path_for(index), tokens[index] if tokens else None, stream, match))
            await asyncio.wait_for(stream.opened.wait(), timeout=60)

    begun = time.monotonic()
    results = await asyncio.wait_for(asyncio.gather(*(start(i) for i in range(count)), return_exceptions=True), open_timeout)
    failures = [r for r in results if isinstance(r, BaseException)]
    opened = time.monotonic() - begun
    extra = on_open() if on_open else None
    await asyncio.sleep(1.5)  # let opening ticks settle: nothing changes until the trigger
    for stream in streams:
        stream.armed = True
    sent = time.monotonic()
    await asyncio.to_thread(trigger)
    deadline = sent + deliver_timeout
    while time.monotonic() < deadline and any(s.arrived is None for s in streams if s.reader):
        await asyncio.sleep(0.01)
    delays = sorted((s.arrived - sent) * 1000 for s in streams if s.arrived is not None)
    for stream in streams:
        if stream.writer:
            stream.writer.close()
        if stream.task:
            stream.task.cancel()
    await asyncio.gather(*(s.task for s in streams if s.task), return_exceptions=True)
    return {"delays_ms": delays, "missed": count - len(delays), "open_failures": len(failures), "open_seconds": opened,
            "first_failure": repr(failures[0]) if failures else None, "extra": extra}


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))
    return ordered[rank]
