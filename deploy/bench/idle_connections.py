#!/usr/bin/env python3
"""Opens N keep-alive connections to a server, makes one request on each, and holds them idle.
With --tls, each is an HTTPS connection (certificates not checked), opened one after another.

Prints "ready <n>" once every connection has its response, waits for a line on stdin (or the hold
time), then closes them all and prints "closed". Bounded: gives up after --timeout seconds.
"""
import argparse, resource, selectors, socket, ssl, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--count", type=int, default=10000)
parser.add_argument("--hold", type=float, default=30.0)
parser.add_argument("--path", default="/healthz")
parser.add_argument("--timeout", type=float, default=120.0)
parser.add_argument("--tls", action="store_true")
args = parser.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

request = f"GET {args.path} HTTP/1.1\r\nHost: {args.host}\r\n\r\n".encode()
selector = selectors.DefaultSelector()
sockets, pending = [], {}
deadline = time.monotonic() + args.timeout

def pump(limit):
    """Reads responses until `limit` are complete or the deadline passes."""
    while len(pending) > limit:
        if time.monotonic() > deadline:
            sys.exit(f"timed out with {len(pending)} connections waiting")
        for key, _ in selector.select(timeout=1):
            sock = key.fileobj
            data = sock.recv(65536)
            if not data:
                sys.exit("server closed a connection")
            pending[sock] += data
            head, sep, body = pending[sock].partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if len(body) >= length:
                    selector.unregister(sock)
                    del pending[sock]

def tls_connection():
    """One HTTPS connection with one request answered (blocking), then kept."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    sock = context.wrap_socket(socket.create_connection((args.host, args.port)))
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("server closed a connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n")[1:] if l.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    return sock

for i in range(args.count if not args.tls else 0):
    sock = socket.create_connection((args.host, args.port))
    sock.setblocking(False)
    sock.send(request)
    sockets.append(sock)
    pending[sock] = b""
    selector.register(sock, selectors.EVENT_READ)
    if len(pending) >= 200:
        pump(100)
pump(0)
if args.tls:
    for i in range(args.count):
        if time.monotonic() > deadline:
            sys.exit("timed out opening TLS connections")
        sockets.append(tls_connection())
print(f"ready {len(sockets)}", flush=True)
sel = selectors.DefaultSelector()
sel.register(sys.stdin, selectors.EVENT_READ)
sel.select(timeout=args.hold)
for sock in sockets:
    sock.close()
print("closed", flush=True)
