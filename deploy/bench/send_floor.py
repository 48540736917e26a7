#!/usr/bin/env python3
"""The floor under any fan-out on this machine: one thread sends a 420-byte frame to each of N
loopback TCP sockets (read by another process on CPU 1 with epoll), as an event stream to N
followers must. Prints "<N> <p50 ms> <max ms>" over 20 rounds: the time to the last socket."""
import os, selectors, socket, sys, time

count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(count + 16)
clients = [socket.create_connection(listener.getsockname()) for _ in range(count)]
servers = [listener.accept()[0] for _ in range(count)]
child = os.fork()
if child == 0:
    os.sched_setaffinity(0, {1})
    selector = selectors.DefaultSelector()
    for sock in clients:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    deadline = time.time() + 30
    while time.time() < deadline:
        for key, _ in selector.select(0.2):
            try:
                if not key.fileobj.recv(65536):
                    selector.unregister(key.fileobj)
            except BlockingIOError:
                pass
        if not selector.get_map():
            break
    os._exit(0)
os.sched_setaffinity(0, {0})
frame = b"1a4\r\n" + b"x" * 420 + b"\r\n"
times = []
time.sleep(0.5)
for _ in range(20):
    start = time.perf_counter()
    for sock in servers:
        sock.send(frame)
    times.append((time.perf_counter() - start) * 1000)
    time.sleep(0.05)
for sock in servers + clients:
    sock.close()
os.waitpid(child, 0)
times.sort()
print(f"{count} {times[len(times) // 2]:.3f} {times[-1]:.3f}")
