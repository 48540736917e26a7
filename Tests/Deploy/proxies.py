#!/usr/bin/env python3
"""deploy/proxy/nginx.conf and deploy/proxy/Caddyfile in front of a real `wharf serve`.

Debian's nginx and Caddy each run the shipped file (names, ports and certificate paths replaced,
nothing else) terminating TLS on a loopback port, in front of one Wharf started with
--public-url https://localhost --trusted-proxy 127.0.0.1. The client connects from 127.0.0.2, so
the address the proxy forwards differs from the proxy's own. For each proxy:

1. sign-in through the proxy (the pre-session cookie, CSRF field, session cookie);
2. the audit row of that sign-in names 127.0.0.2, from X-Forwarded-For;
3. an SSE stream (a container's followed logs on the fleet's engine A) delivers events live:
   after the replayed history, each new line arrives about when it is printed (every 0.3 s);
4. a 256 MiB build context streams through the Docker endpoint to engine A: halfway through,
   Wharf has already received most of what was sent (the proxy does not collect the body
   first), the build succeeds, and Wharf's RSS (sampled every 50 ms) grows by less than 48 MiB.

Needs the fleet's environment: eval "$(deploy/dev/fleet.sh env)".
Usage: Tests/Deploy/proxies.py path/to/wharf        Prints "N passed, M failed"; exits 1 on failure.
"""
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "a long enough password"
CLIENT_ADDRESS = "127.0.0.2"
UPLOAD_BYTES = 256 << 20
passed = 0
failed = 0


def check(condition, message, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok: {message}")
    else:
        failed += 1
        print(f"FAIL: {message}" + (f"\n      {detail}" if detail else ""), file=sys.stderr)


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: eval \"$(deploy/dev/fleet.sh env)\" first")
    return value


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_port(port, what, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port}")


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def received_by(port):
    """Bytes the sockets on local port `port` received (tcp_info bytes_received, from ss)."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    return sum(int(n) for n in re.findall(r"bytes_received:(\d+)", out))


class Client:
    """HTTPS to the proxy from 127.0.0.2, with the certificate as the only trusted one."""

    def __init__(self, port, cafile):
        self.port = port
        self.context = ssl.create_default_context(cafile=cafile)
        self.cookies = {}

    def connection(self, timeout=30):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=timeout,
                                           source_address=(CLIENT_ADDRESS, 0))

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def keep_cookies(self, response):
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if val:
                    self.cookies[key] = val
                else:
                    self.cookies.pop(key, None)

    def request(self, method, path, body=None, headers=None):
        conn = self.connection()
        all_headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        self.keep_cookies(response)
        conn.close()
        return response, data


def sign_in(client, label):
    response, page = client.request("GET", "/signin")
    check(response.status == 200, f"{label}: GET /signin through the proxy", f"{response.status}")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page)
    check("__Host-wharf_pre" in client.cookies, f"{label}: the pre-session cookie is __Host- prefixed (https public URL)",
          f"{client.cookies}")
    form = urllib.parse.urlencode({"username": "admin", "password": PASSWORD, "csrf": csrf.group(1).decode() if csrf else "",
                                   "next": "/"})
    response, body = client.request("POST", "/signin", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://127.0.0.1:{client.port}"})
    check(response.status == 303 and "__Host-wharf_session" in client.cookies, f"{label}: signed in",
          f"{response.status} {body[:300]!r} {client.cookies}")


def audit_client(data, action):
    db = sqlite3.connect(f"file:{data}/wharf.db?mode=ro", uri=True)
    try:
        row = db.execute("SELECT client_address FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1", (action,)).fetchone()
        return row[0] if row else None
    finally:
        db.close()


def sse_live(client, label, host_id, container):
    conn = client.connection(timeout=15)
    conn.request("GET", f"/hosts/{host_id}/containers/{container}/logs/events?tail=0",
                 headers={"Cookie": client.cookie_header(), "Accept": "text/event-stream"})
    response = conn.getresponse()
    check(response.status == 200 and response.getheader("Content-Type", "").startswith("text/event-stream"),
          f"{label}: the log stream opens as text/event-stream", f"{response.status} {response.getheaders()}")
    # The stream first replays the lines the log channel holds (at once), then follows: the
    # container prints a line every 0.3 s, and each must come through as it is printed. A
    # buffering proxy passes nothing until its buffer (kilobytes: minutes of these lines) fills.
    started = time.time()
    first = None
    live = []
    try:
        while len(live) < 3 and time.time() - started < 10:
            line = response.fp.readline()
            if not line:
                break
            if line.startswith(b"data: tick"):
                now = time.time()
                first = first or now
                if now - first > 0.2:
                    live.append(now - started)
    finally:
        conn.close()
    check(len(live) == 3, f"{label}: new log lines arrived through the proxy while the stream stayed open", f"{live}")
    if len(live) == 3:
        gaps = [b - a for a, b in zip(live, live[1:])]
        check(all(0.1 < gap < 1.5 for gap in gaps), f"{label}: they arrived live, one by one (every 0.3 s, as printed)",
              f"arrival times {live}")


def build_context_chunks(image, size):
    """A tar stream: a Dockerfile and a `big` file of `size` bytes, in 1 MiB pieces."""
    def header(name, length):
        fields = bytearray(512)
        def put(offset, width, text):
            fields[offset:offset + len(text)] = text
        put(0, 100, name.encode())
        put(100, 8, b"0000644\0")
        put(108, 8, b"0000000\0")
        put(116, 8, b"0000000\0")
        put(124, 12, b"%011o\0" % length)
        put(136, 12, b"%011o\0" % int(time.time()))
        put(148, 8, b"        ")
        put(156, 1, b"0")
        put(257, 8, b"ustar\x0000")
        checksum = sum(fields)
        put(148, 8, b"%06o\0 " % checksum)
        return bytes(fields)

    def pad(length):
        return b"\0" * ((512 - length % 512) % 512)

    dockerfile = f"FROM {image}\nLABEL wharf.test=proxies\n".encode()
    yield header("Dockerfile", len(dockerfile)) + dockerfile + pad(len(dockerfile))
    yield header("big", size)
    piece = bytes(range(256)) * 4096
    sent = 0
    while sent < size:
        yield piece[:min(len(piece), size - sent)]
        sent += min(len(piece), size - sent)
    yield pad(size) + b"\0" * 1024


def upload(client, label, token, image, wharf_pid, wharf_port):
    conn = client.connection(timeout=300)
    conn.putrequest("POST", "/api/v1/hosts/engine-a/docker/v1.41/build?rm=1&t=wharf-proxy-test:latest")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", "application/x-tar")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    # Sampled while the body flows: the resident peak (VmHWM) already holds the sign-in's scrypt.
    rss_before = rss_kib(wharf_pid, "VmRSS")
    samples = [rss_before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            samples.append(rss_kib(wharf_pid, "VmRSS"))
            time.sleep(0.05)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    received_before = received_by(wharf_port)
    sent = 0
    halfway_checked = False
    for piece in build_context_chunks(image, UPLOAD_BYTES):
        conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
        sent += len(piece)
        if not halfway_checked and sent >= UPLOAD_BYTES // 2:
            halfway_checked = True
            deadline = time.time() + 15
            got = 0
            while time.time() < deadline:
                got = received_by(wharf_port) - received_before
                if got >= sent - (48 << 20):
                    break
                time.sleep(0.2)
            check(got >= sent - (48 << 20), f"{label}: halfway through the upload Wharf has received what was sent "
                  f"(the proxy streams the body)", f"sent {sent >> 20} MiB, Wharf received {got >> 20} MiB")
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    body = response.read().decode(errors="replace")
    conn.close()
    built = response.status == 200 and "Successfully built" in body
    check(built, f"{label}: the {UPLOAD_BYTES >> 20} MiB build context reached the engine and the build succeeded",
          f"{response.status} {body[-500:]}")
    done.set()
    sampler.join()
    growth = max(samples) - rss_before
    check(growth < 48 * 1024, f"{label}: Wharf's RSS grew by at most {growth // 1024} MiB during the upload "
          f"({len(samples)} samples; bounded)")


def exec_through_upgrade(label, port, cert, token, container):
    """`docker exec -i` as the CLI does it: create the exec, then start it with `Upgrade: tcp` and
    talk to the process over the switched connection, through the proxy."""
    context = ssl.create_default_context(cafile=cert)
    base = "/api/v1/hosts/engine-a/docker/v1.41"
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    body = json.dumps({"Cmd": ["sh", "-c", "read line; echo got:$line"], "AttachStdin": True, "AttachStdout": True,
                       "AttachStderr": True})
    conn.request("POST", f"{base}/containers/{container}/exec", body=body,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    created = response.read()
    conn.close()
    check(response.status == 201, f"{label}: exec created through the proxy", f"{response.status} {created[:200]!r}")
    if response.status != 201:
        return
    exec_id = json.loads(created)["Id"]
    raw = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=15), server_hostname="localhost")
    try:
        start = json.dumps({"Detach": False, "Tty": False}).encode()
        raw.sendall((f"POST {base}/exec/{exec_id}/start HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                     f"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: {len(start)}\r\n\r\n").encode() + start)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = raw.recv(4096)
            if not chunk:
                break
            received += chunk
        head, _, output = received.partition(b"\r\n\r\n")
        check(head.startswith(b"HTTP/1.1 101"), f"{label}: exec start switches protocols through the proxy (101)",
              head[:300].decode(errors="replace"))
        raw.sendall(b"through-the-proxy\n")
        deadline = time.time() + 10
        while b"got:through-the-proxy" not in output and time.time() < deadline:
            chunk = raw.recv(4096)
            if not chunk:
                break
            output += chunk
        check(b"got:through-the-proxy" in output, f"{label}: stdin reaches the process and its output comes back, both ways raw",
              repr(output[:300]))
    except (OSError, ssl.SSLError) as error:
        check(False, f"{label}: exec through the proxy", repr(error))
    finally:
        raw.close()


def nginx_config(work, port, wharf_port, cert, key):
    with open(os.path.join(ROOT, "deploy/proxy/nginx.conf")) as f:
        site = f.read()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};").replace("listen [::]:80;", "")
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;").replace("listen [::]:443 ssl;", "")
    site = site.replace("127.0.0.1:8080", f"127.0.0.1:{wharf_port}")
    site = site.replace("/etc/letsencrypt/live/panel.example/fullchain.pem", cert)
    site = site.replace("/etc/letsencrypt/live/panel.example/privkey.pem", key)
    site = site.replace("panel.example", "localhost")
    os.makedirs(f"{work}/nginx/temp", exist_ok=True)
    with open(f"{work}/nginx/site.conf", "w") as f:
        f.write(site)
    main = f"""user root;
worker_processes 1;
daemon off;
pid {work}/nginx/nginx.pid;
error_log {work}/nginx/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx/temp/body;
  proxy_temp_path {work}/nginx/temp/proxy;
  fastcgi_temp_path {work}/nginx/temp/fastcgi;
  uwsgi_temp_path {work}/nginx/temp/uwsgi;
  scgi_temp_path {work}/nginx/temp/scgi;
  include {work}/nginx/site.conf;
}}
"""
    with open(f"{work}/nginx/nginx.conf", "w") as f:
        f.write(main)
    return ["/usr/sbin/nginx", "-c", f"{work}/nginx/nginx.conf"], {}


def caddy_config(work, port, wharf_port, cert, key):
    with open(os.path.join(ROOT, "deploy/proxy/Caddyfile")) as f:
        site = f.read()
    site = site.replace("127.0.0.1:8080", f"127.0.0.1:{wharf_port}")
    site = site.replace("panel.example {", f"https://127.0.0.1:{port} {{\n\ttls {cert} {key}")
    # Test-only globals: no admin endpoint, no port-80 redirect listener, state in the work folder.
    config = "{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system " + f"{work}/caddy/data" + "\n}\n\n" + site
    os.makedirs(f"{work}/caddy", exist_ok=True)
    with open(f"{work}/caddy/Caddyfile", "w") as f:
        f.write(config)
    environment = {"HOME": f"{work}/caddy", "XDG_DATA_HOME": f"{work}/caddy/data", "XDG_CONFIG_HOME": f"{work}/caddy/config"}
    return ["/usr/bin/caddy", "run", "--config", f"{work}/caddy/Caddyfile", "--adapter", "caddyfile"], environment


def main():
    wharf = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/wharf"))
    engine_a = env("WHARF_TEST_ENGINE_A")
    image = env("WHARF_TEST_IMAGE_BUSYBOX")
    work = tempfile.mkdtemp(prefix="wharf-proxies-")
    os.chmod(work, 0o755)
    data = f"{work}/data"
    common = ["--data-dir", data, "--resources", ROOT]
    processes = []
    docker = ["/usr/bin/docker", "-H", engine_a]
    ticker = "wharf-proxy-ticker"
    try:
        cert, key = f"{work}/cert.pem", f"{work}/key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        subprocess.run([wharf, "user", "create", "--username", "admin", "--role", "admin"] + common,
                       input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        subprocess.run([wharf, "host", "add", "--name", "engine-a", "--url", engine_a] + common, check=True, capture_output=True)
        token_out = subprocess.run([wharf, "token", "create", "--username", "admin", "--name", "proxies"] + common,
                                   check=True, capture_output=True, text=True).stdout
        token = re.search(r"wharf_[a-z0-9]+_[A-Za-z0-9_-]+", token_out).group(0)
        db = sqlite3.connect(f"file:{data}/wharf.db?mode=ro", uri=True)
        host_id = db.execute("SELECT id FROM hosts WHERE name = 'engine-a'").fetchone()[0]
        db.close()

        subprocess.run(docker + ["rm", "-f", ticker], capture_output=True)
        container = subprocess.run(docker + ["run", "-d", "--name", ticker, image, "sh", "-c",
                                             "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done"],
                                   check=True, capture_output=True, text=True).stdout.strip()

        wharf_port = free_port()
        wharf_log = open(f"{work}/wharf.log", "w")
        server = subprocess.Popen([wharf, "serve", "--listen", f"127.0.0.1:{wharf_port}", "--public-url", "https://localhost",
                                   "--trusted-proxy", "127.0.0.1"] + common, stdout=wharf_log, stderr=subprocess.STDOUT)
        processes.append(server)
        wait_port(wharf_port, "wharf serve")

        for label, make in (("nginx", nginx_config), ("caddy", caddy_config)):
            port = free_port()
            command, environment = make(work, port, wharf_port, cert, key)
            proxy_log = open(f"{work}/{label}.log", "w")
            proxy = subprocess.Popen(command, stdout=proxy_log, stderr=subprocess.STDOUT, env={**os.environ, **environment})
            processes.append(proxy)
            try:
                wait_port(port, label)
                client = Client(port, cert)
                sign_in(client, label)
                check(audit_client(data, "auth.signin.ok") == CLIENT_ADDRESS,
                      f"{label}: the sign-in's audit row names the client the proxy forwarded ({CLIENT_ADDRESS})",
                      f"{audit_client(data, 'auth.signin.ok')}")
                sse_live(client, label, host_id, container)
                upload(client, label, token, image, server.pid, wharf_port)
                exec_through_upgrade(label, port, cert, token, container)
            finally:
                proxy.terminate()
                try:
                    proxy.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proxy.kill()
                processes.remove(proxy)
            if failed:
                with open(f"{work}/{label}.log") as f:
                    print(f"--- {label} log\n{f.read()[-3000:]}", file=sys.stderr)
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(docker + ["rm", "-f", ticker], capture_output=True)
        subprocess.run(docker + ["rmi", "-f", "wharf-proxy-test:latest"], capture_output=True)
        if failed and os.path.exists(f"{work}/wharf.log"):
            with open(f"{work}/wharf.log") as f:
                print(f"--- wharf log (tail)\n{f.read()[-3000:]}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
