#!/usr/bin/env python3
"""A TCP forwarder for tests that need a network cut: listens on 127.0.0.1 (the port is printed
as "listening PORT"), forwards each connection to HOST PORT, and on SIGUSR1 resets every open
connection on both sides, as a failed link would, while new connections keep working.

    python3 Tests/Tools/cut_proxy.py 127.0.0.1 23750
"""
import select
import signal
import socket
import struct
import sys

target = (sys.argv[1], int(sys.argv[2]))
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print("listening", listener.getsockname()[1], flush=True)

cut = False


def on_cut(*_):
    global cut
    cut = True


signal.signal(signal.SIGUSR1, on_cut)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
peers = {}


def drop(sock):
    for side in (sock, peers.get(sock)):
        if side is None:
            continue
        peers.pop(side, None)
        try:
            side.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            side.close()
        except OSError:
            pass


while True:
    readable, _, _ = select.select([listener] + list(peers), [], [], 0.05)
    if cut:
        cut = False
        for sock in list(peers):
            drop(sock)
        print("cut", flush=True)
        continue
    for sock in readable:
        if sock is listener:
            client, _ = listener.accept()
            try:
                upstream = socket.create_connection(target, timeout=5)
            except OSError:
                client.close()
                continue
            peers[client] = upstream
            peers[upstream] = client
            continue
        if sock not in peers:
            continue
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            drop(sock)
            continue
        try:
            peers[sock].sendall(data)
        except (OSError, KeyError):
            drop(sock)
