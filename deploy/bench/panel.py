#!/usr/bin/python3
"""The container panel's benchmark (deploy/bench/run.sh panel): prints figures, asserts nothing.

  1. Container lists: a host with 500 containers (most created, not running), through Wharf's page
     and API, side by side with the engine's own /containers/json; then the list across 3 hosts of
     500 each (engines A, B and C).
  2. Log latency: a container prints a line every 10 ms; one client follows the engine's log
     stream directly and one follows Wharf's server-sent events for the same container; each
     line's arrival through Wharf minus its arrival direct.
  3. 1,000 SSE followers of 4 containers' logs: Wharf's RSS per follower while they follow, and
     what it gives back when they leave.

Usage: deploy/bench/panel.py BASE TOKEN WHARF_PID   (with the fleet's environment; run.sh sets it up)
Every phase is bounded in count and time.
"""
import asyncio
import http.client
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

BASE, TOKEN, WHARF_PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
IMAGE = os.environ.get("WHARF_TEST_IMAGE_BUSYBOX", "wharf-test/busybox:latest")
SOCKET = os.environ["WHARF_TEST_ENGINE_A"].replace("unix://", "")
LABEL = "wharf.bench=panel"


def rss_kib(pid=WHARF_PID):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def engine_connection(engine):
    """A kept-alive connection to a fleet engine: A (unix), B (mutual TLS), C (plain TCP)."""
    if engine == "a":
        return UnixHTTP(SOCKET)
    if engine == "b":
        context = ssl.create_default_context(cafile=os.environ["WHARF_TEST_TLS_CA"])
        context.load_cert_chain(os.environ["WHARF_TEST_TLS_CLIENT_CERT"], os.environ["WHARF_TEST_TLS_CLIENT_KEY"])
        host, port = os.environ["WHARF_TEST_ENGINE_B"].replace("tcp://", "").split(":")
        return http.client.HTTPSConnection(host, int(port), context=context, timeout=120)
    host, port = os.environ["WHARF_TEST_ENGINE_C"].replace("tcp://", "").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=120)


def call(connection, method, path, body=None, headers=None):
    headers = dict(headers or {})
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def percentiles(samples):
    samples = sorted(samples)
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    return pick(0.5), pick(0.99), statistics.mean(samples)


def fill(engine, count):
    """`count` containers on `engine`, labelled for removal; one in 25 running."""
    connection = engine_connection(engine)
    status, body = call(connection, "GET", f"/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22{LABEL}%22%5D%7D")
    have = len(json.loads(body))
    for index in range(have, count):
        config = {"Image": IMAGE, "Cmd": ["sleep", "3600"], "Labels": {"wharf.bench": "panel"},
                  "HostConfig": {"NetworkMode": "none"}}
        status, body = call(connection, "POST", "/v1.41/containers/create", config)
        if status != 201:
            raise RuntimeError(f"engine {engine}: create failed: {status} {body[:200]}")
        if index % 25 == 0:
            call(connection, "POST", f"/v1.41/containers/{json.loads(body)['Id']}/start")


def clear(engine):
    connection = engine_connection(engine)
    status, body = call(connection, "GET", f"/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22{LABEL}%22%5D%7D")
    for container in json.loads(body):
        call(connection, "DELETE", f"/v1.41/containers/{container['Id']}?force=1")


def timed(connection, path, count, headers):
    samples = []
    for index in range(count + 5):
        start = time.perf_counter()
        status, _ = call(connection, "GET", path, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        if index >= 5:
            samples.append(elapsed)
    return percentiles(samples)


def lists():
    print("== 1. Container lists (50 requests each after 5 warm-up, one kept-alive connection, times in ms: p50 / p99 / mean)")
    started = time.time()
    threads = [threading.Thread(target=fill, args=(engine, 500)) for engine in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"   500 containers on each of engines A, B and C (created in {time.time() - started:.0f} s, one in 25 running)")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    wharf = http.client.HTTPConnection(HOST, PORT, timeout=120)
    direct = engine_connection("a")
    rows = [
        ("engine A directly: GET /containers/json?all=1", direct, "/v1.41/containers/json?all=1", {}),
        ("Wharf API: GET /api/v1/hosts/engine-a/containers?all=1", wharf, "/api/v1/hosts/engine-a/containers?all=1", auth),
        ("Wharf page: GET /hosts/engine-a/containers?all=1", wharf, "/hosts/engine-a/containers?all=1", auth),
        ("Wharf API across 3 hosts: GET /api/v1/containers?all=1", wharf, "/api/v1/containers?all=1", auth),
        ("Wharf dashboard across 3 hosts: GET /?all=1", wharf, "/?all=1", auth),
    ]
    for label, connection, path, headers in rows:
        p50, p99, mean = timed(connection, path, 50, headers)
        print(f"   {label:<58} {p50:7.1f} / {p99:7.1f} / {mean:7.1f}")
    status, body = call(wharf, "GET", "/api/v1/containers?all=1", headers=auth)
    listed = json.loads(body)
    print(f"   (the list across hosts had {len(listed['containers'])} containers, {len(listed['unavailable'])} hosts unavailable)")


def create_printer(lines, interval):
    connection = engine_connection("a")
    script = f"i=0; while [ $i -lt {lines} ]; do echo line-$i; i=$((i+1)); sleep {interval}; done; sleep 3600"
    status, body = call(connection, "POST", "/v1.41/containers/create",
                        {"Image": IMAGE, "Cmd": ["sh", "-c", script], "Labels": {"wharf.bench": "panel"},
                         "HostConfig": {"NetworkMode": "none"}})
    return json.loads(body)["Id"]


def latency():
    lines = 2000
    print()
    print(f"== 2. A log line's way to an SSE client: {lines} lines, one every 10 ms; through Wharf minus direct, per line")
    # Started first: following a container that is not running ends at once (the engine's answer).
    container = create_printer(lines + 300, 0.01)
    call(engine_connection("a"), "POST", f"/v1.41/containers/{container}/start")
    arrivals = {"direct": {}, "wharf": {}}
    ready = threading.Barrier(3)

    def direct():
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(SOCKET)
        sock.sendall(f"GET /v1.41/containers/{container}/logs?follow=1&stdout=1&tail=0 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        read_lines(sock, arrivals["direct"], multiplexed=True)

    def wharf():
        sock = socket.create_connection((HOST, PORT))
        sock.sendall((f"GET /hosts/engine-a/containers/{container}/logs/events?tail=0 HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
                      f"Authorization: Bearer {TOKEN}\r\nAccept: text/event-stream\r\n\r\n").encode())
        read_lines(sock, arrivals["wharf"], multiplexed=False)

    def read_lines(sock, into, multiplexed):
        ready.wait()
        sock.settimeout(60)
        buffer = b""
        deadline = time.time() + 60
        while len(into) < lines and time.time() < deadline:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            now = time.perf_counter()
            buffer += data
            while b"line-" in buffer:
                start = buffer.index(b"line-")
                end = buffer.find(b"\n", start)
                if end < 0:
                    break
                into.setdefault(buffer[start:end].decode(errors="replace"), now)
                buffer = buffer[end:]
        sock.close()

    threads = [threading.Thread(target=direct), threading.Thread(target=wharf)]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join(90)
    # The first 100 lines are left out: they may have waited in a socket while the clients connected.
    common = sorted((line for line in arrivals["direct"] if line in arrivals["wharf"]), key=lambda line: arrivals["direct"][line])[100:]
    added = [(arrivals["wharf"][line] - arrivals["direct"][line]) * 1000 for line in common]
    if added:
        p50, p99, mean = percentiles(added)
        print(f"   {len(common)} lines seen by both; added latency through Wharf: p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {mean:.2f} ms")
    else:
        print("   no line reached both clients")


async def follow(container, opened, stop):
    reader, writer = await asyncio.open_connection(HOST, PORT)
    writer.write((f"GET /hosts/engine-a/containers/{container}/logs/events?tail=0 HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
                  f"Authorization: Bearer {TOKEN}\r\nAccept: text/event-stream\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " in head.split(b"\r\n")[0]:
        opened.append(1)
    while not stop.is_set():
        try:
            if not await asyncio.wait_for(reader.read(4096), 0.5):
                break
        except asyncio.TimeoutError:
            continue
    writer.close()


async def followers_async(containers, count):
    stop = asyncio.Event()
    opened = []
    base = rss_kib()
    tasks = []
    for index in range(count):
        tasks.append(asyncio.create_task(follow(containers[index % len(containers)], opened, stop)))
        if index % 50 == 49:
            await asyncio.sleep(0.05)
    deadline = time.time() + 60
    while len(opened) < count and time.time() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(3)
    held = rss_kib()
    print(f"   {len(opened)} followers streaming; Wharf RSS {base / 1024:.1f} MiB before, {held / 1024:.1f} MiB with them: "
          f"{(held - base) / max(1, len(opened)):.2f} KiB per follower")
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(3)
    after = rss_kib()
    given = (held - after) * 100 / max(1, held - base)
    print(f"   after they left: {after / 1024:.1f} MiB ({given:.0f}% of their memory given back)")


def followers():
    count = 1000
    print()
    print(f"== 3. {count} SSE followers of 4 containers' logs (each container prints a line every 100 ms)")
    containers = [create_printer(100000, 0.1) for _ in range(4)]
    for container in containers:
        call(engine_connection("a"), "POST", f"/v1.41/containers/{container}/start")
    asyncio.run(followers_async(containers, count))


def main():
    try:
        lists()
        latency()
        followers()
    finally:
        threads = [threading.Thread(target=clear, args=(engine,)) for engine in "abc"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


if __name__ == "__main__":
    main()
