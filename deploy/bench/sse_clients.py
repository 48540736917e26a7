#!/usr/bin/python3
"""Opens N server-sent-event streams of one job on a Wharf server, waits until each has received
an event, holds them for a few seconds while the job prints, reads the server's RSS before, while
held and after closing, and prints: clients rss_before_kib rss_held_kib rss_after_kib events.
"clients" counts the streams that received an event (a connection that failed is left out, and
said on stderr). With --after-latest each client joins as the job page's script does: after the
last event the page showed (`?after=N`, N read once from the job), so it reads only what follows.

Bounded: it gives up after --seconds. Loopback only. Used by deploy/bench/run.sh jobs.
Usage: sse_clients.py --port P --pid PID (--token T --job ID [--after-latest] | --path PATH) [--clients 1000] [--hold 5] [--seconds 120]
"""
import argparse
import asyncio
import json
import resource
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Settled:
    """Counts clients that got their first event or failed; `all` is set when every one has."""

    def __init__(self, count):
        self.count = count
        self.all = asyncio.Event()

    def release(self):
        self.count -= 1
        if self.count <= 0:
            self.all.set()


async def client(port, token, path, ready, events, stop, received, failures, firsts, start):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        failures.append(str(error))
        ready.release()
        return
    authorization = f"Authorization: Bearer {token}\r\n" if token else ""
    writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{authorization}Accept: text/event-stream\r\n\r\n").encode())
    await writer.drain()
    counted = False
    try:
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(reader.readline(), timeout=0.5)
            except asyncio.TimeoutError:
                continue
            if not line:
                break
            if line.startswith(b"data:"):
                events[0] += 1
                if not counted:
                    counted = True
                    received[0] += 1
                    firsts.append(time.monotonic() - start)
                    ready.release()
    except OSError as error:
        failures.append(str(error))
    finally:
        if not counted:
            ready.release()
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token")
    parser.add_argument("--job")
    parser.add_argument("--path")
    parser.add_argument("--after-latest", action="store_true")
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=120)
    options = parser.parse_args()
    path = options.path or f"/api/v1/jobs/{options.job}/events"
    if options.after_latest:
        reader, writer = await asyncio.open_connection("127.0.0.1", options.port)
        writer.write((f"GET /api/v1/jobs/{options.job} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Authorization: Bearer {options.token}\r\nConnection: close\r\n\r\n").encode())
        answer = await reader.read()
        writer.close()
        last = json.loads(answer.split(b"\r\n\r\n", 1)[1])["lastEventId"]
        path += f"?after={last}"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, options.clients * 2 + 100)), hard))

    before = rss_kib(options.pid)
    ready = Settled(options.clients)
    events = [0]
    received = [0]
    failures = []
    firsts = []
    start = time.monotonic()
    stop = asyncio.Event()
    tasks = []
    for _ in range(options.clients):
        tasks.append(asyncio.create_task(client(options.port, options.token, path, ready, events, stop, received, failures, firsts, start)))
    try:
        await asyncio.wait_for(ready.all.wait(), timeout=options.seconds)
    except asyncio.TimeoutError:
        print("timed out waiting for the clients' first events", file=sys.stderr)
    await asyncio.sleep(options.hold)
    held = rss_kib(options.pid)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(2)
    after = rss_kib(options.pid)
    if firsts:
        firsts.sort()
        print(f"first event after: median {firsts[len(firsts) // 2]:.2f} s, 90% {firsts[len(firsts) * 9 // 10]:.2f} s, "
              f"last {firsts[-1]:.2f} s", file=sys.stderr)
    if failures:
        print(f"{len(failures)} connections failed, e.g. {failures[0]}", file=sys.stderr)
    if received[0] < options.clients:
        print(f"{options.clients - received[0]} of {options.clients} streams received no event", file=sys.stderr)
    print(received[0], before, held, after, events[0])


asyncio.run(main())
