#!/usr/bin/python3
"""Opens N server-sent-event streams of one job on a Wharf server, waits until each has received
an event, holds them for a few seconds while the job prints, reads the server's RSS before, while
held and after closing, and prints: clients rss_before_kib rss_held_kib rss_after_kib events.

Bounded: it gives up after --seconds. Loopback only. Used by deploy/bench/run.sh jobs.
Usage: sse_clients.py --port P --pid PID (--token T --job ID | --path PATH) [--clients 1000] [--hold 5] [--seconds 120]
"""
import argparse
import asyncio
import resource
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def client(port, token, path, ready, events, stop):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
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
                    ready.release()
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
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=120)
    options = parser.parse_args()
    path = options.path or f"/api/v1/jobs/{options.job}/events"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, options.clients * 2 + 100)), hard))

    before = rss_kib(options.pid)
    ready = asyncio.Semaphore(0)
    events = [0]
    stop = asyncio.Event()
    tasks = []
    for _ in range(options.clients):
        tasks.append(asyncio.create_task(client(options.port, options.token, path, ready, events, stop)))
    deadline = time.time() + options.seconds
    for _ in range(options.clients):
        remaining = deadline - time.time()
        if remaining <= 0:
            print("timed out waiting for the clients' first events", file=sys.stderr)
            break
        await asyncio.wait_for(ready.acquire(), timeout=remaining)
    await asyncio.sleep(options.hold)
    held = rss_kib(options.pid)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(2)
    after = rss_kib(options.pid)
    print(options.clients, before, held, after, events[0])


asyncio.run(main())
