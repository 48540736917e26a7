#!/usr/bin/env python3
"""Follows a host's events through Wharf with N server-sent event streams, and the same engine's
GET /events directly with one more connection (the reference), then makes volume events on the
engine and reports, for every event and stream, how much later it reached Wharf's streams than
the direct one. Arrival times are the kernel's receive timestamps (SO_TIMESTAMPNS), so how fast
this script reads does not count.

Prints "ready <n>" once every stream is live, then, on a line "go" on stdin, makes the events and
prints "latency <samples> <p50 ms> <p99 ms> <max ms> <events seen by every stream>"; on "close"
(or stdin closing) closes every stream and prints "closed". Bounded by --timeout.
"""
import argparse, http.client, json, random, resource, selectors, socket, struct, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--wharf", required=True, help="host:port of wharf serve")
parser.add_argument("--path", required=True, help="the SSE path, e.g. /hosts/1/events/stream?type=volume")
parser.add_argument("--token", required=True)
parser.add_argument("--engine", required=True, help="host:port of the engine (plain TCP)")
parser.add_argument("--count", type=int, default=1000)
parser.add_argument("--volumes", type=int, default=60, help="volumes created and removed: two events each")
parser.add_argument("--interval", type=float, default=0.05)
parser.add_argument("--timeout", type=float, default=300.0)
parser.add_argument("--reader", choices=["eager", "lazy"], default="eager")
parser.add_argument("--samples", help="append every sample (ms), one per line, to this file, to pool rounds")
args = parser.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
deadline = time.monotonic() + args.timeout
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
CMSG = socket.CMSG_SPACE(16)


def endpoint(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def connect(address, request):
    sock = socket.create_connection(address)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.sendall(request)
    sock.setblocking(False)
    return sock


class Stream:
    """One connection: its bytes so far (a tail), and when each wanted event arrived."""

    def __init__(self, sock, marker):
        self.sock, self.marker, self.tail, self.seen, self.live = sock, marker, b"", {}, False

    def read(self):
        data, ancillary, _, _ = self.sock.recvmsg(65536, CMSG)
        if not data:
            sys.exit("a stream was closed by its server")
        stamp = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanos = struct.unpack("qq", payload[:16])
                stamp = seconds + nanos / 1e9
        text = self.tail + data
        if not self.live and (b'"state":"live"' in text or b"HTTP/1.1 200" in text and self.marker is ENGINE):
            self.live = True
        start = 0
        while True:
            index = text.find(b"wbench-", start)
            if index < 0:
                break
            key = self.marker(text, index)
            if key and index + 40 > len(self.tail) and key not in self.seen:
                self.seen[key] = stamp
            start = index + 7
        self.tail = text[-400:]


def key_at(text, index, action_field, id_prefix):
    # The event's action and volume name: "<action_field>":"create",<id_prefix>"wbench-12"
    end = text.find(b'"', index)
    if end < 0:
        return None
    name = text[index:end].decode()
    before = text[max(0, index - 120):index]
    for action in ("create", "destroy"):
        if before.endswith(action_field + b'"' + action.encode() + b'",' + id_prefix):
            return f"{action} {name}"
    return None


def WHARF(text, index):  # {"action":"create","actorId":"wbench-1",…}
    return key_at(text, index, b'"action":', b'"actorId":"')


def ENGINE(text, index):  # {"Type":"volume","Action":"create","Actor":{"ID":"wbench-1",…}
    return key_at(text, index, b'"Action":', b'"Actor":{"ID":"')


wharf = endpoint(args.wharf)
engine = endpoint(args.engine)
selector = selectors.DefaultSelector()
request = (f"GET {args.path} HTTP/1.1\r\nHost: {args.wharf}\r\nAuthorization: Bearer {args.token}\r\n"
           "Accept: text/event-stream\r\n\r\n").encode()
streams = []
for _ in range(args.count):
    stream = Stream(connect(wharf, request), WHARF)
    streams.append(stream)
    selector.register(stream.sock, selectors.EVENT_READ, stream)
filters = json.dumps({"type": ["volume"]}).replace(" ", "")
reference = Stream(connect(engine, f"GET /v1.41/events?filters={filters} HTTP/1.1\r\nHost: engine\r\n\r\n".encode()), ENGINE)
selector.register(reference.sock, selectors.EVENT_READ, reference)


def pump(until, seconds):
    stop = time.monotonic() + seconds
    while not until() and time.monotonic() < min(stop, deadline):
        for key, _ in selector.select(timeout=0.2):
            key.data.read()


pump(lambda: all(stream.live for stream in streams), 120)
live = sum(stream.live for stream in streams)
print(f"ready {live}", flush=True)
command = sys.stdin.readline().strip()
if command == "go":
    if args.reader == "lazy":
        for stream in streams + [reference]:
            selector.unregister(stream.sock)
    client = http.client.HTTPConnection(*engine, timeout=30)
    run = random.randrange(10**9)
    names = [f"wbench-{run}-{index}" for index in range(args.volumes)]
    for name in names:
        for method, path, body in (("POST", "/v1.41/volumes/create", json.dumps({"Name": name})), ("DELETE", f"/v1.41/volumes/{name}", None)):
            client.request(method, path, body=body, headers={"Content-Type": "application/json"})
            client.getresponse().read()
            if args.reader == "lazy":
                time.sleep(args.interval)
                for stream in streams + [reference]:
                    try:
                        while True:
                            stream.read()
                    except BlockingIOError:
                        pass
            else:
                pump(lambda: False, args.interval)
    wanted = {f"{action} {name}" for name in names for action in ("create", "destroy")}
    if args.reader == "lazy":
        for stream in streams + [reference]:
            selector.register(stream.sock, selectors.EVENT_READ, stream)
    pump(lambda: all(wanted <= set(stream.seen) for stream in streams + [reference]), 30)
    samples = []
    for stream in streams:
        for key in wanted:
            if key in stream.seen and key in reference.seen and stream.seen[key] and reference.seen[key]:
                samples.append((stream.seen[key] - reference.seen[key]) * 1000)
    samples.sort()
    if args.samples:
        with open(args.samples, "a") as out:
            out.writelines(f"{sample:.4f}\n" for sample in samples)
    complete = sum(1 for key in wanted if all(key in stream.seen for stream in streams))

    def at(fraction):
        return samples[min(len(samples) - 1, int(len(samples) * fraction))] if samples else float("nan")
    print(f"latency {len(samples)} {at(0.5):.3f} {at(0.99):.3f} {samples[-1] if samples else float('nan'):.3f} {complete}/{len(wanted)}", flush=True)
    firsts, spreads, lasts = [], [], []
    for key in wanted:
        stamps = [stream.seen[key] for stream in streams if stream.seen.get(key)]
        if stamps and reference.seen.get(key):
            firsts.append((min(stamps) - reference.seen[key]) * 1000)
            spreads.append((max(stamps) - min(stamps)) * 1000)
            lasts.append((max(stamps) - reference.seen[key]) * 1000)
    firsts.sort(); spreads.sort()
    if firsts:
        print(f"detail first-follower p50 {firsts[len(firsts)//2]:.3f} ms; fan-out spread p50 {spreads[len(spreads)//2]:.3f} ms, max {spreads[-1]:.3f} ms", file=sys.stderr, flush=True)
        lasts.sort()
        print("detail last-follower by event, deciles: " + " ".join(f"{lasts[min(len(lasts)-1, int(len(lasts)*q/10))]:.2f}" for q in range(11)), file=sys.stderr, flush=True)
    command = sys.stdin.readline().strip()
for stream in streams + [reference]:
    stream.sock.close()
print("closed", flush=True)
