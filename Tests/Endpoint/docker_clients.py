#!/usr/bin/env python3
"""The Docker endpoint with the real clients: Debian's docker CLI (20.10, API 1.41, /usr/bin/docker)
and docker-py (PyPI, pinned by deploy/dev/test.sh) against the fleet's engine B through a real
`wharf serve` on a loopback port with a temporary data directory.

Users: admin, olga (operator on engine-b), vic (viewer on engine-b). Each CLI runs with its own
DOCKER_CONFIG whose config.json carries `HttpHeaders: {"Authorization": "Bearer <token>"}`.
Covers the calls, every refusal, and (docker_streams.py) attached streams through upgrades; then
checks the audit rows (user, host, call) and that no registry credential reached the audit or the log.

Needs the fleet's environment: eval "$(deploy/dev/fleet.sh env)".
Usage: Tests/Endpoint/docker_clients.py [path/to/wharf]   Prints "N passed, M failed".
"""
import base64
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import urllib.request

import docker
import requests

from docker_streams import stream_tests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKER = "/usr/bin/docker"
PASSWORD = "a long enough password"
IMAGE = os.environ.get("WHARF_TEST_IMAGE_BUSYBOX", "wharf-test/busybox:latest")
passed = 0
failed = 0


def check(condition, message, detail=""):
    global passed, failed
    if condition:
        passed += 1
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


class Wharf:
    """A `wharf serve` with users, engine B, grants and tokens."""

    def __init__(self, binary):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="wharf-endpoint-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.dir, "serve.log")
        self.process = None

    def cli(self, *args, stdin=None):
        return subprocess.run([self.binary, *args, "--data-dir", self.data, "--resources", ROOT],
                              input=stdin, capture_output=True, text=True, check=True).stdout

    def setup(self):
        for name, role in (("admin", "admin"), ("olga", "operator"), ("vic", "viewer")):
            self.cli("user", "create", "--username", name, "--role", role, stdin=PASSWORD + "\n")
        engine_b = env("WHARF_TEST_ENGINE_B").replace("tcp://", "https://")
        self.cli("host", "add", "--name", "engine-b", "--url", engine_b, "--tls-ca", env("WHARF_TEST_TLS_CA"),
                 "--tls-cert", env("WHARF_TEST_TLS_CLIENT_CERT"), "--tls-key", env("WHARF_TEST_TLS_CLIENT_KEY"))
        self.tokens = {}
        for name in ("admin", "olga", "vic"):
            out = self.cli("token", "create", "--username", name, "--name", "endpoint-test")
            self.tokens[name] = re.search(r"wharf_[a-z0-9]{8}_[A-Za-z0-9_-]{43}", out).group(0)
        out = self.cli("token", "create", "--username", "olga", "--name", "expired", "--expires-days", "1")
        self.tokens["expired"] = re.search(r"wharf_[a-z0-9]{8}_[A-Za-z0-9_-]{43}", out).group(0)
        with self.db() as db:
            # Grants (the host page's form does this; here the test sets them up directly).
            db.execute("INSERT INTO host_grants (user_id, host_id, role) SELECT id, 1, 'operator' FROM users WHERE username = 'olga'")
            db.execute("INSERT INTO host_grants (user_id, host_id, role) SELECT id, 1, 'viewer' FROM users WHERE username = 'vic'")
            db.execute("UPDATE api_tokens SET expires_ms = 1000 WHERE name = 'expired'")

    def db(self):
        return sqlite3.connect(os.path.join(self.data, "wharf.db"), timeout=10)

    def start(self):
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data, "--resources", ROOT],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("wharf serve did not answer /healthz")

    def stop(self):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.log.close()

    def config_dir(self, token):
        path = tempfile.mkdtemp(dir=self.dir, prefix="docker-config-")
        with open(os.path.join(path, "config.json"), "w") as handle:
            json.dump({"HttpHeaders": {"Authorization": f"Bearer {token}"}} if token else {}, handle)
        return path


def docker_cli(wharf, token, *args, host="engine-b", timeout=60, stdin=None):
    environment = dict(os.environ, DOCKER_CONFIG=wharf.config_dir(token), DOCKER_BUILDKIT="0",
                       DOCKER_HOST=f"tcp://127.0.0.1:{wharf.port}/api/v1/hosts/{host}/docker")
    environment.pop("DOCKER_TLS_VERIFY", None)
    return subprocess.run([DOCKER, *args], env=environment, capture_output=True, text=True, timeout=timeout, input=stdin)


def cli_tests(w):
    olga = lambda *a, **k: docker_cli(w, w.tokens["olga"], *a, **k)  # noqa: E731
    version = olga("version", "--format", "{{.Client.APIVersion}} {{.Server.APIVersion}}")
    check(version.returncode == 0 and version.stdout.split() == ["1.41", "1.41"], "docker version negotiates API 1.41",
          version.stdout + version.stderr)
    check(olga("ps", "-a").returncode == 0, "docker ps")
    images = olga("images", "--format", "{{.Repository}}:{{.Tag}}")
    check(IMAGE in images.stdout.split(), "docker images lists the fleet's busybox", images.stdout + images.stderr)
    by_id = docker_cli(w, w.tokens["olga"], "info", "--format", "{{.OSType}}", host="1")
    check(by_id.stdout.strip() == "linux", "the host is found by id too", by_id.stderr)

    context = tempfile.mkdtemp(dir=w.dir, prefix="ctx-")
    with open(os.path.join(context, "Dockerfile"), "w") as handle:
        handle.write(f"FROM {IMAGE}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n")
    with open(os.path.join(context, "hello.txt"), "w") as handle:
        handle.write("hello from the context\n")
    build = olga("build", "-t", "endpoint-test/built:1", context, timeout=120)
    check(build.returncode == 0 and "hello from the context" in build.stdout, "docker build from a context directory",
          build.stdout[-500:] + build.stderr)

    # run -d, then logs -f: lines arrive as the container prints them.
    script = "echo first; sleep 2; echo second; sleep 1; exit 3"
    run = olga("run", "-d", "--network", "none", "--name", "endpoint-logs", IMAGE, "sh", "-c", script)
    check(run.returncode == 0, "docker run -d", run.stderr)
    started = time.time()
    follow = subprocess.Popen([DOCKER, "logs", "-f", "endpoint-logs"], stdout=subprocess.PIPE, text=True, env=dict(
        os.environ, DOCKER_CONFIG=w.config_dir(w.tokens["olga"]),
        DOCKER_HOST=f"tcp://127.0.0.1:{w.port}/api/v1/hosts/engine-b/docker"))
    arrivals = []
    for line in follow.stdout:
        arrivals.append((line.strip(), time.time() - started))
    follow.wait(20)
    check([a[0] for a in arrivals] == ["first", "second"], "logs -f prints both lines", str(arrivals))
    if len(arrivals) == 2:
        check(arrivals[0][1] < 1.8 and arrivals[1][1] - arrivals[0][1] >= 1.5, "logs -f lines arrive live", str(arrivals))
    wait = olga("wait", "endpoint-logs")
    check(wait.stdout.strip() == "3", "docker wait gives the exit code", wait.stdout + wait.stderr)
    check(olga("rm", "endpoint-logs").returncode == 0, "docker rm")

    # create + start + wait: exit codes without an attached stream.
    olga("create", "--name", "endpoint-exit", "--network", "none", IMAGE, "sh", "-c", "exit 7")
    check(olga("start", "endpoint-exit").returncode == 0, "docker start")
    check(olga("wait", "endpoint-exit").stdout.strip() == "7", "create, start and wait give exit code 7")
    olga("rm", "endpoint-exit")
    # `docker run` without -d attaches (an upgrade): docker_streams.py covers attached streams.
    attached = olga("run", "--rm", "--name", "endpoint-attached", "--network", "none", IMAGE, "echo", "attached", timeout=30)
    check(attached.returncode == 0 and attached.stdout == "attached\n", "docker run without -d", attached.stderr)

    olga("run", "-d", "--network", "none", "--name", "endpoint-box", IMAGE, "sleep", "300")
    source = os.path.join(w.dir, "in.txt")
    with open(source, "w") as handle:
        handle.write("copied in\n")
    check(olga("cp", source, "endpoint-box:/in.txt").returncode == 0, "docker cp into a container")
    back = os.path.join(w.dir, "back.txt")
    out = olga("cp", "endpoint-box:/in.txt", back)
    check(out.returncode == 0 and open(back).read() == "copied in\n", "docker cp out of a container", out.stderr)
    stats = olga("stats", "--no-stream", "--format", "{{.Name}}", "endpoint-box")
    check(stats.stdout.strip() == "endpoint-box", "docker stats --no-stream", stats.stderr)

    events = subprocess.Popen([DOCKER, "events", "--filter", "container=endpoint-box", "--format", "{{.Status}}"],
                              stdout=subprocess.PIPE, text=True, env=dict(
                                  os.environ, DOCKER_CONFIG=w.config_dir(w.tokens["olga"]),
                                  DOCKER_HOST=f"tcp://127.0.0.1:{w.port}/api/v1/hosts/engine-b/docker"))
    time.sleep(1)
    check(olga("stop", "-t", "1", "endpoint-box").returncode == 0, "docker stop")
    seen = []
    deadline = time.time() + 10
    while time.time() < deadline and "stop" not in seen:
        line = events.stdout.readline()
        if not line:
            break
        seen.append(line.strip())
    events.kill()
    check("die" in seen and "stop" in seen, "docker events streams the stop as it happens", str(seen))
    check(olga("rm", "endpoint-box").returncode == 0, "docker rm of the stopped container")

    check(olga("volume", "create", "endpoint-vol").returncode == 0, "docker volume create")
    check("endpoint-vol" in olga("volume", "ls", "-q").stdout.split(), "docker volume ls")
    check(olga("volume", "rm", "endpoint-vol").returncode == 0, "docker volume rm")
    check(olga("network", "create", "endpoint-net").returncode == 0, "docker network create")
    check("endpoint-net" in olga("network", "ls", "--format", "{{.Name}}").stdout.split(), "docker network ls")
    check(olga("network", "rm", "endpoint-net").returncode == 0, "docker network rm")

    remote = env("WHARF_TEST_REGISTRY") + "/endpoint-test/built:1"
    olga("tag", "endpoint-test/built:1", remote)
    push = olga("push", remote, timeout=120)
    check(push.returncode == 0 and "digest:" in push.stdout, "docker push through the local registry", push.stderr)
    olga("rmi", remote)
    pull = olga("pull", remote, timeout=120)
    check(pull.returncode == 0, "docker pull through the local registry", pull.stderr)
    archive = os.path.join(w.dir, "image.tar")
    check(olga("save", "-o", archive, "endpoint-test/built:1").returncode == 0 and os.path.getsize(archive) > 10000,
          "docker save")
    olga("rmi", "endpoint-test/built:1", remote)
    load = olga("load", "-i", archive, timeout=120)
    check(load.returncode == 0 and "endpoint-test/built:1" in load.stdout, "docker load", load.stderr)


def dockerpy_tests(w):
    client = docker.DockerClient(base_url=f"tcp://127.0.0.1:{w.port}/api/v1/hosts/engine-b/docker", version="1.41")
    client.api.headers["Authorization"] = f"Bearer {w.tokens['olga']}"
    check(client.ping() is True, "docker-py ping")
    dockerfile = io.BytesIO(f"FROM {IMAGE}\nRUN echo built-by-docker-py > /marker\n".encode())
    image, log = client.images.build(fileobj=dockerfile, tag="endpoint-test/py:1", rm=True)
    check(any("Successfully built" in entry.get("stream", "") for entry in log), "docker-py builds from a file object")
    container = client.containers.run(IMAGE, ["sh", "-c", "echo one; sleep 1; echo two"], detach=True,
                                      network_mode="none", name="endpoint-py")
    lines = b"".join(container.logs(stream=True, follow=True)).decode().split()
    check(lines == ["one", "two"], "docker-py logs stream", str(lines))
    check(container.wait(timeout=30)["StatusCode"] == 0, "docker-py wait")
    container.remove()

    box = client.containers.run(IMAGE, ["sleep", "300"], detach=True, network_mode="none", name="endpoint-py-box")
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w") as tar:
        data = b"put by docker-py\n"
        info = tarfile.TarInfo("put.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    check(box.put_archive("/", payload.getvalue()), "docker-py put_archive")
    stream, stat = box.get_archive("/put.txt")
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        check(tar.extractfile("put.txt").read() == b"put by docker-py\n" and stat["name"] == "put.txt",
              "docker-py get_archive (with its X-Docker-Container-Path-Stat)")
    since = int(time.time()) - 1
    box.stop(timeout=1)
    box.remove()
    events = client.events(since=since, until=int(time.time()) + 1, decode=True,
                           filters={"container": "endpoint-py-box"})
    statuses = [event.get("status") for event in events]
    check("destroy" in statuses, "docker-py events", str(statuses))

    # A pull with credentials: X-Registry-Auth reaches the registry path, never the audit or log.
    try:
        client.images.pull(env("WHARF_TEST_REGISTRY") + "/endpoint-test/built", tag="1",
                           auth_config={"username": "endpoint-user", "password": "s3cr3t-registry-marker"})
    except docker.errors.APIError as error:
        print(f"note: pull with credentials answered {error}", file=sys.stderr)
    client.images.remove("endpoint-test/py:1")
    client.close()


def raw(w, token, method, path, body=None, headers=None, query=""):
    url = f"{w.base}/api/v1/hosts/engine-b/docker{path}" + (f"?{query}" if query else "")
    h = {"Authorization": f"Bearer {token}"} if token else {}
    h.update(headers or {})
    return requests.request(method, url, data=body, headers=h, timeout=30)


def refusal_tests(w):
    none = docker_cli(w, None, "ps")
    check(none.returncode != 0 and "Error response from daemon: Wharf needs an API token" in none.stderr,
          "no token: a clear refusal", none.stderr)
    for name, token, text in (("wrong", "wharf_abcdefgh_" + "A" * 43, "unknown"), ("expired", w.tokens["expired"], "expired")):
        result = docker_cli(w, token, "ps")
        check(result.returncode != 0 and f"Error response from daemon: The API token is {text}" in result.stderr,
              f"{name} token refused", result.stderr)
    check(raw(w, None, "GET", "/_ping").status_code == 401, "_ping needs a token")
    check(raw(w, None, "GET", "/version").status_code == 401, "/version needs a token")
    session = requests.get(f"{w.base}/api/v1/hosts/engine-b/docker/_ping", cookies={"wharf_session": "x"}, timeout=10)
    check(session.status_code == 401 and session.json().get("message"), "a session cookie is not a credential here")
    in_query = raw(w, None, "GET", "/v1.41/info", query="access_token=" + w.tokens["olga"])
    check(in_query.status_code == 401, "a token in the query is refused", in_query.text)

    vic = docker_cli(w, w.tokens["vic"], "ps")
    check(vic.returncode == 0, "a viewer lists containers", vic.stderr)
    vic_run = docker_cli(w, w.tokens["vic"], "run", "-d", "--network", "none", IMAGE, "true")
    check(vic_run.returncode != 0 and "Error response from daemon: Wharf refused POST /containers/create on engine-b: "
          "viewers may only read" in vic_run.stderr, "a viewer's docker run is refused with a clear message", vic_run.stderr)

    for flags, field in ((["--privileged"], "Privileged"), (["-v", "/:/host"], "Binds"), (["--cap-add", "SYS_ADMIN"], "CapAdd"),
                         (["--security-opt", "seccomp=unconfined"], "SecurityOpt"), (["--pid", "host"], "PidMode"),
                         (["--network", "host"], "NetworkMode"), (["--ipc", "host"], "IpcMode"), (["--uts", "host"], "UTSMode"),
                         (["--userns", "host"], "UsernsMode"), (["--cgroupns", "host"], "CgroupnsMode"),
                         (["--device", "/dev/null"], "Devices"), (["--device-cgroup-rule", "c 1:3 rwm"], "DeviceCgroupRules"),
                         (["--sysctl", "net.ipv4.ip_forward=1"], "Sysctls"), (["--cgroup-parent", "/x"], "CgroupParent"),
                         (["--runtime", "runc"], "Runtime"), (["--mount", "type=bind,source=/,target=/host"], "Mounts"),
                         (["--mount", "type=volume,target=/d,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc"], "Mounts")):
        result = docker_cli(w, w.tokens["olga"], "run", "-d", *flags, IMAGE, "true")
        check(result.returncode != 0 and f"HostConfig.{field}" in result.stderr and "not allowed for operators" in result.stderr,
              f"docker run {' '.join(flags)} refused for an operator", result.stderr)
    volume = docker_cli(w, w.tokens["olga"], "volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=/etc", "hostetc")
    check(volume.returncode != 0 and "DriverOpts" in volume.stderr, "a bind-mounting volume is refused", volume.stderr)

    token = w.tokens["olga"]
    json_headers = {"Content-Type": "application/json"}
    bodies = {
        "lower-case keys": '{"Image":"%s","hostconfig":{"privileged":true}}' % IMAGE,
        "duplicate keys, last wins": '{"Image":"%s","HostConfig":{"Privileged":false,"Privileged":true}}' % IMAGE,
        "null keeps the earlier value": '{"Image":"%s","HostConfig":{"Privileged":true,"Privileged":null}}' % IMAGE,
        "top-level HostConfig field": '{"Image":"%s","Binds":["/:/host"]}' % IMAGE,
        "long s folds to s": '{"Image":"%s","HostConfig":{"\u017fecurityOpt":["apparmor=unconfined"]}}' % IMAGE,
    }
    for name, body in bodies.items():
        response = raw(w, token, "POST", "/v1.41/containers/create", body.encode(), json_headers)
        check(response.status_code == 403 and "not allowed for operators" in response.json().get("message", ""),
              f"body check: {name}", f"{response.status_code} {response.text}")
    chunked = raw(w, token, "POST", "/v1.41/containers/create",
                  iter([b'{"Image":"' + IMAGE.encode() + b'",', b'"HostConfig":{"Privileged":true}}']), json_headers)
    check(chunked.status_code == 403, "a chunked body is checked like any other", chunked.text)
    empty = raw(w, token, "POST", "/v1.41/containers/create", b"", {"Content-Type": "application/json", "Content-Length": "0"})
    check(empty.status_code == 400 and "empty" in empty.json().get("message", ""), "an empty body is refused, never a bypass",
          f"{empty.status_code} {empty.text}")
    empty_chunked = raw(w, token, "POST", "/v1.41/containers/create", iter([b""]), json_headers)
    check(empty_chunked.status_code == 400, "an empty chunked body too", f"{empty_chunked.status_code} {empty_chunked.text}")
    big = raw(w, token, "POST", "/v1.41/containers/create", b'{"Image":"' + b"x" * (2 << 20) + b'"}', json_headers)
    check(big.status_code == 413 and "1 MiB" in big.json().get("message", ""), "a 2 MiB JSON body is 413", str(big.status_code))
    exec_target = raw(w, token, "POST", "/v1.41/containers/none/exec", b'{"Cmd":["sh"],"privileged":true}', json_headers)
    check(exec_target.status_code == 403, "a privileged exec is refused", exec_target.text)

    for user in ("olga", "admin"):
        for path, query in (("/v1.41/plugins/pull", "remote=vieux/sshfs"), ("/session", ""), ("/v1.41/swarm/init", "")):
            response = raw(w, w.tokens[user], "POST", path, b"{}", json_headers, query)
            check(response.status_code == 403 and response.json().get("message", "").startswith("Wharf refused"),
                  f"{user}: POST {path} refused", f"{response.status_code} {response.text}")
    build_remote = raw(w, token, "POST", "/v1.41/build", b"", {}, "remote=https%3A%2F%2Fexample.invalid%2Fx.git")
    check(build_remote.status_code == 403, "build remote= refused", build_remote.text)
    unlisted = raw(w, token, "GET", "/v1.41/containers/a/b/json")
    check(unlisted.status_code == 403 and "not an Engine API" in unlisted.json().get("message", ""), "unlisted paths refused")


def audit_tests(w):
    time.sleep(0.5)  # the endpoint's rows are written off the request path, within milliseconds
    with w.db() as db:
        rows = db.execute("SELECT actor_name, host_id, action, parameters, outcome, http_status, target, error "
                          "FROM audit_log WHERE source = 'docker'").fetchall()
        everything = "\n".join(str(row) for row in db.execute("SELECT * FROM audit_log"))
    calls = [(r[0], r[1], json.loads(r[3] or "{}").get("call"), r[4], r[5]) for r in rows]
    check(("olga", 1, "POST /containers/create", "ok", 201) in calls, "an operator's create is audited with user and host")
    check(("olga", 1, "POST /containers/{id}/start", "ok", 204) in calls, "the path template is audited")
    check(("vic", 1, "POST /containers/create", "denied", 403) in calls, "the viewer's refusal is audited")
    check(any(r[0] == "olga" and r[2] == "docker.image.push" and r[4] == "ok" for r in rows), "pushes are audited")
    creates = [json.loads(r[3]) for r in rows if r[2] == "docker.container.create" and r[4] == "ok"]
    check(all(len(p.get("body_sha256", "")) == 64 and int(p["bytes_in"]) > 0 for p in creates), "forwarded bodies are digested")
    check(all(json.loads(r[3]).get("credential", "").startswith("wharf_") for r in rows if r[0]), "token prefixes are recorded")
    with open(w.log_path) as handle:
        log = handle.read()
    marker = "s3cr3t-registry-marker"
    encoded = base64.urlsafe_b64encode(json.dumps({"password": marker}).encode()).decode()[:12]
    for where, text in (("audit", everything), ("log", log)):
        check(marker not in text and encoded not in text, f"no registry credential in the {where}")
        for token in w.tokens.values():
            check(token[15:] not in text, f"no token secret in the {where}")


def cleanup(w):
    for name in ("endpoint-logs", "endpoint-exit", "endpoint-attached", "endpoint-box", "endpoint-py", "endpoint-py-box"):
        docker_cli(w, w.tokens["admin"], "rm", "-f", name)
    docker_cli(w, w.tokens["admin"], "rmi", "-f", "endpoint-test/built:1", env("WHARF_TEST_REGISTRY") + "/endpoint-test/built:1",
               "endpoint-test/py:1")
    docker_cli(w, w.tokens["admin"], "volume", "rm", "-f", "endpoint-vol")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WHARF_BIN", os.path.join(ROOT, ".build/debug/wharf"))
    w = Wharf(binary)
    started = time.time()
    try:
        w.setup()
        w.start()
        streams = lambda w: stream_tests(w, check, docker_cli)  # noqa: E731
        for group in (cli_tests, dockerpy_tests, streams, refusal_tests, audit_tests):
            try:
                group(w)
            except Exception:
                check(False, f"{group.__name__} raised", traceback.format_exc())
        cleanup(w)
    finally:
        w.stop()
        shutil.rmtree(w.dir, ignore_errors=True)
    print(f"docker endpoint: {time.time() - started:.0f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
