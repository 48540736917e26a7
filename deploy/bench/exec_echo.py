#!/usr/bin/env python3
"""Interactive exec echo round trips, for `deploy/bench/run.sh endpoint`: creates an exec of `cat`
in a running container, starts it with `Upgrade: tcp`, then sends one short line at a time and
waits for its echo (one stdout frame), COUNT times after WARMUP. Prints p50_ms p99_ms mean_ms.

Direct: --url https://host:port --ca --cert --key (mutual TLS to the engine).
Through Wharf: --url http://127.0.0.1:port/api/v1/hosts/NAME/docker --token wharf_…
Bounded: every socket operation times out after 10 s. Standard library only.
"""
import argparse
import json
import socket
import ssl
import struct
import sys
import time
from urllib.parse import urlsplit


def connect(url, args):
    parts = urlsplit(url)
    raw = socket.create_connection((parts.hostname, parts.port), timeout=10)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=args.ca)
        context.load_cert_chain(args.cert, args.key)
        context.check_hostname = False
        raw = context.wrap_socket(raw, server_hostname=parts.hostname)
    return raw, parts.path.rstrip("/"), parts.netloc


def request(sock, prefix, method, path, body, args, upgrade=False):
    data = json.dumps(body).encode()
    head = f"{method} {prefix}{path} HTTP/1.1\r\nHost: {args.authority}\r\nContent-Type: application/json\r\n" \
           f"Content-Length: {len(data)}\r\n"
    if args.token:
        head += f"Authorization: Bearer {args.token}\r\n"
    if upgrade:
        head += "Connection: Upgrade\r\nUpgrade: tcp\r\n"
    sock.sendall(head.encode() + b"\r\n" + data)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed before the answer's head")
        received += chunk
    head, rest = received.split(b"\r\n\r\n", 1)
    status = int(head.split()[1])
    if upgrade:
        return status, rest
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += sock.recv(65536)
    return status, rest[:length]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--container", required=True)
    parser.add_argument("--token")
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args()

    sock, prefix, args.authority = connect(args.url, args)
    status, body = request(sock, prefix, "POST", f"/v1.41/containers/{args.container}/exec",
                           {"AttachStdin": True, "AttachStdout": True, "Cmd": ["cat"]}, args)
    if status != 201:
        sys.exit(f"exec create answered {status}: {body!r}")
    exec_id = json.loads(body)["Id"]
    sock.close()
    sock, prefix, _ = connect(args.url, args)
    status, pending = request(sock, prefix, "POST", f"/v1.41/exec/{exec_id}/start", {"Detach": False, "Tty": False}, args,
                              upgrade=True)
    if status != 101:
        sys.exit(f"exec start answered {status}")
    line = b"echo round trip\n"
    want = 8 + len(line)  # one stdout frame
    times = []
    for index in range(args.warmup + args.count):
        started = time.perf_counter_ns()
        sock.sendall(line)
        while len(pending) < want:
            chunk = sock.recv(65536)
            if not chunk:
                sys.exit("the exec stream ended early")
            pending += chunk
        elapsed = time.perf_counter_ns() - started
        kind, size = pending[0], struct.unpack(">I", pending[4:8])[0]
        if kind != 1 or pending[8:8 + size] != line:
            sys.exit(f"unexpected frame {pending[:want]!r}")
        pending = pending[8 + size:]
        if index >= args.warmup:
            times.append(elapsed / 1e6)
    sock.close()
    times.sort()
    p50 = times[len(times) // 2]
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{p50:.3f} {p99:.3f} {sum(times) / len(times):.3f}")


if __name__ == "__main__":
    main()
