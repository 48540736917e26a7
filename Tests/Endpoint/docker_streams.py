"""Attached streams through the Docker endpoint (issue 14, phase 2): `Upgrade: tcp` for attach and
exec start, with the real clients. Run by docker_clients.py (which owns the server, the users and
the counters): `stream_tests(w, check, docker_cli)`.

The docker CLI: `run --rm` with exit codes, `run -i` with piped stdin exiting, `run -t` under a
pty (`script`), exec, `exec -i`, `exec -t`, `start -ai`, a viewer's exec refused, an engine refusal
passed on. docker-py: `exec_run` (its upgrade rides a reused keep-alive connection), the exec
socket with stdin, the attach socket. Then the audit: one row when a stream starts and one when
it ends, with the bytes each way.
"""
import json
import os
import shlex
import socket
import struct
import subprocess
import time

import docker
import requests

DOCKER = "/usr/bin/docker"
IMAGE = os.environ.get("WHARF_TEST_IMAGE_BUSYBOX", "wharf-test/busybox:latest")


def read_frames(raw, timeout=20):
    """Reads a multiplexed stream (8-byte headers) from a raw socket until the engine's end of
    stream (or `timeout`); returns (stdout, stderr, whether the end arrived)."""
    raw.settimeout(timeout)
    data = b""
    closed = False
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            chunk = raw.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            closed = True
            break
        data += chunk
    out, err = demux(data)
    return out, err, closed


def demux(data):
    out, err = b"", b""
    while len(data) >= 8:
        kind, size = data[0], struct.unpack(">I", data[4:8])[0]
        if len(data) < 8 + size:
            break
        if kind == 2:
            err += data[8:8 + size]
        else:
            out += data[8:8 + size]
        data = data[8 + size:]
    return out, err


def cli_streams(w, check, docker_cli):
    olga = lambda *a, **k: docker_cli(w, w.tokens["olga"], *a, **k)  # noqa: E731
    run = olga("run", "--rm", "--network", "none", IMAGE, "sh", "-c", "echo attached-out; echo attached-err >&2; exit 5",
               timeout=60)
    check(run.returncode == 5 and run.stdout == "attached-out\n" and "attached-err" in run.stderr,
          "docker run --rm prints stdout and stderr and gives exit code 5", f"{run.returncode} {run.stdout!r} {run.stderr!r}")
    true = olga("run", "--rm", "--network", "none", IMAGE, "true", timeout=60)
    check(true.returncode == 0, "docker run --rm true exits 0", true.stderr)

    piped = olga("run", "-i", "--rm", "--network", "none", IMAGE, "sh", "-c", "cat; echo done", stdin="piped line\n",
                 timeout=60)
    check(piped.returncode == 0 and piped.stdout == "piped line\ndone\n",
          "echo x | docker run -i prints and exits (half-close reaches the container)", f"{piped.returncode} {piped.stdout!r} {piped.stderr!r}")

    environment = dict(os.environ, DOCKER_CONFIG=w.config_dir(w.tokens["olga"]), DOCKER_BUILDKIT="0",
                       DOCKER_HOST=f"tcp://127.0.0.1:{w.port}/api/v1/hosts/engine-b/docker")
    environment.pop("DOCKER_TLS_VERIFY", None)

    def under_pty(*args, timeout=60):
        command = " ".join(shlex.quote(part) for part in (DOCKER, *args))
        return subprocess.run(["script", "-qefc", command, "/dev/null"], env=environment, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    tty = under_pty("run", "-t", "--rm", "--network", "none", IMAGE, "sh", "-c", "tty; echo tty-ok; exit 2")
    check(tty.returncode == 2 and "/dev/pts/" in tty.stdout and "tty-ok" in tty.stdout,
          "docker run -t under a pty: a terminal inside, the exit code outside", f"{tty.returncode} {tty.stdout!r} {tty.stderr!r}")

    olga("run", "-d", "--network", "none", "--name", "endpoint-exec", IMAGE, "sleep", "300")
    hi = olga("exec", "endpoint-exec", "echo", "exec-hi")
    check(hi.returncode == 0 and hi.stdout == "exec-hi\n", "docker exec", f"{hi.returncode} {hi.stdout!r} {hi.stderr!r}")
    code = olga("exec", "endpoint-exec", "sh", "-c", "exit 4")
    check(code.returncode == 4, "docker exec gives the exit code", f"{code.returncode} {code.stderr!r}")
    stdin = olga("exec", "-i", "endpoint-exec", "sh", "-c", "cat; echo exec-done", stdin="exec stdin\n", timeout=60)
    check(stdin.returncode == 0 and stdin.stdout == "exec stdin\nexec-done\n", "echo x | docker exec -i prints and exits",
          f"{stdin.returncode} {stdin.stdout!r} {stdin.stderr!r}")
    big = os.urandom(3 << 20).hex()  # 6 MiB of text each way, through bounded buffers
    echoed = olga("exec", "-i", "endpoint-exec", "cat", stdin=big, timeout=120)
    check(echoed.returncode == 0 and echoed.stdout == big, "docker exec -i carries 6 MiB each way intact",
          f"{echoed.returncode} {len(echoed.stdout)} bytes {echoed.stderr[-300:]!r}")
    exec_tty = under_pty("exec", "-t", "endpoint-exec", "sh", "-c", "tty; echo exec-tty-ok")
    check(exec_tty.returncode == 0 and "/dev/pts/" in exec_tty.stdout and "exec-tty-ok" in exec_tty.stdout,
          "docker exec -t under a pty", f"{exec_tty.returncode} {exec_tty.stdout!r} {exec_tty.stderr!r}")

    vic = docker_cli(w, w.tokens["vic"], "exec", "endpoint-exec", "true")
    check(vic.returncode != 0 and "viewers may only read" in vic.stderr, "a viewer's docker exec is refused", vic.stderr)
    attach = requests.post(f"{w.base}/api/v1/hosts/engine-b/docker/v1.41/containers/endpoint-exec/attach?stream=1&stdout=1",
                           headers={"Authorization": f"Bearer {w.tokens['vic']}", "Connection": "Upgrade", "Upgrade": "tcp"},
                           timeout=10)
    check(attach.status_code == 403 and "viewers may only read" in attach.json().get("message", ""),
          "a viewer's attach is refused", f"{attach.status_code} {attach.text}")
    missing = requests.post(f"{w.base}/api/v1/hosts/engine-b/docker/v1.41/containers/endpoint-missing/attach?stream=1",
                            headers={"Authorization": f"Bearer {w.tokens['olga']}", "Connection": "Upgrade", "Upgrade": "tcp"},
                            timeout=10)
    check(missing.status_code == 404 and "No such container" in missing.json().get("message", ""),
          "the engine's refusal of an attach is passed on", f"{missing.status_code} {missing.text}")

    olga("create", "-i", "--network", "none", "--name", "endpoint-startai", IMAGE, "sh", "-c", "cat; exit 6")
    start = olga("start", "-ai", "endpoint-startai", stdin="start-ai line\n", timeout=60)
    check(start.returncode == 6 and start.stdout == "start-ai line\n", "docker start -ai with piped stdin",
          f"{start.returncode} {start.stdout!r} {start.stderr!r}")
    olga("rm", "-f", "endpoint-startai")


def dockerpy_streams(w, check):
    client = docker.DockerClient(base_url=f"tcp://127.0.0.1:{w.port}/api/v1/hosts/engine-b/docker", version="1.41")
    client.api.headers["Authorization"] = f"Bearer {w.tokens['olga']}"
    box = client.containers.get("endpoint-exec")
    # exec_run: POST …/exec, then POST /exec/{id}/start with Upgrade on the pool's kept-alive connection.
    for attempt in range(3):
        result = box.exec_run(["sh", "-c", "echo py-exec"])
        check(result.exit_code == 0 and result.output == b"py-exec\n", f"docker-py exec_run ({attempt + 1})", repr(result))
    failing = box.exec_run(["sh", "-c", "exit 3"])
    check(failing.exit_code == 3, "docker-py exec_run gives the exit code", repr(failing))
    tty = box.exec_run(["sh", "-c", "tty"], tty=True)
    check(tty.exit_code == 0 and tty.output.startswith(b"/dev/pts/"), "docker-py exec_run with a tty", repr(tty))

    exec_id = client.api.exec_create(box.id, ["sh", "-c", "cat; echo sock-done"], stdin=True)["Id"]
    sock = client.api.exec_start(exec_id, socket=True)
    raw = sock._sock
    raw.sendall(b"through the exec socket\n")
    raw.shutdown(socket.SHUT_WR)
    out, _, closed = read_frames(raw)
    check(out == b"through the exec socket\nsock-done\n" and closed,
          "docker-py exec socket: stdin in, half-close, output and end of stream back", repr(out))
    sock.close()
    check(client.api.exec_inspect(exec_id)["ExitCode"] == 0, "the exec socket's process exited 0")

    container = client.containers.create(IMAGE, ["sh", "-c", "cat; echo attach-done; exit 9"], stdin_open=True,
                                         network_mode="none", name="endpoint-py-attach")
    # attach_socket sends session headers only (not config.json's): the token is in client.api.headers.
    sock = client.api.attach_socket(container.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
    container.start()
    raw = sock._sock
    raw.sendall(b"through the attach socket\n")
    raw.shutdown(socket.SHUT_WR)
    out, _, closed = read_frames(raw)
    check(out == b"through the attach socket\nattach-done\n" and closed, "docker-py attach socket with stdin", repr(out))
    sock.close()
    check(container.wait(timeout=30)["StatusCode"] == 9, "the attached container's exit code")
    container.remove()
    client.close()


def read_head(raw):
    """Reads one response head from a raw socket; returns (status, head text, bytes after it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = raw.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split()[1]) if head else 0, head.decode(errors="replace"), rest


def raw_streams(w, check):
    """At the socket level: an upgrade after an ordinary request on the same connection, with stdin
    sent in the same segment as the request and the client's FIN right after; a client that
    vanishes mid-session."""
    token = w.tokens["olga"]
    prefix = "/api/v1/hosts/engine-b/docker"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    created = session.post(f"{w.base}{prefix}/v1.41/containers/endpoint-exec/exec",
                           json={"AttachStdin": True, "AttachStdout": True, "Cmd": ["sh", "-c", "cat; echo raw-done"]}, timeout=10)
    exec_id = created.json()["Id"]
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=20)
    raw.sendall(f"GET {prefix}/_ping HTTP/1.1\r\nHost: 127.0.0.1:{w.port}\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    status, head, rest = read_head(raw)
    check(status == 200 and "Api-Version: 1.41" in head, "a kept-alive _ping first", head)
    body = json.dumps({"Detach": False, "Tty": False}).encode()
    request = (f"POST {prefix}/v1.41/exec/{exec_id}/start HTTP/1.1\r\nHost: 127.0.0.1:{w.port}\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
    raw.sendall(request.encode() + body + b"sent with the request\n")
    raw.shutdown(socket.SHUT_WR)
    status, head, rest = read_head(raw)
    check(status == 101 and "application/vnd.docker" in head and "Upgrade: tcp" in head,
          "the engine's 101 with its Content-Type, on a reused connection", head)
    out, _, closed = read_frames(raw)
    out = demux(rest)[0] + out if rest else out
    check(out == b"sent with the request\nraw-done\n" and closed,
          "stdin sent with the request reaches the process; the FIN ends its input; its output and end come back", repr(out))
    raw.close()

    # A client that vanishes (a reset) mid-session: the session ends, its row says so.
    raw = socket.create_connection(("127.0.0.1", w.port), timeout=20)
    raw.sendall((f"POST {prefix}/v1.41/containers/endpoint-exec/attach?stream=1&stdout=1&stdin=1 HTTP/1.1\r\nHost: 127.0.0.1:{w.port}\r\n"
                 f"Authorization: Bearer {token}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n").encode())
    status, head, _ = read_head(raw)
    check(status == 101, "attach to a running container", head)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raw.close()


def audit_streams(w, check):
    time.sleep(0.5)
    with w.db() as db:
        rows = db.execute("SELECT actor_name, host_id, action, parameters, outcome, http_status, duration_ms "
                          "FROM audit_log WHERE source = 'docker' AND action IN ('docker.container.attach', 'docker.exec.start') "
                          "ORDER BY id").fetchall()
    sessions = [(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6]) for r in rows]
    starts = [s for s in sessions if s[3].get("session") == "start"]
    ends = [s for s in sessions if s[3].get("session") == "end"]
    check(len(starts) >= 8 and len(ends) == len(starts), "every stream has a start row and an end row",
          f"{len(starts)} starts, {len(ends)} ends")
    check(all(s[0] == "olga" and s[1] == 1 and s[5] == 101 for s in starts + ends), "stream rows name the user and host")
    check(any(s[2] == "docker.exec.start" and int(s[3]["bytes_in"]) > 6 << 20 and int(s[3]["bytes_out"]) > 32 for s in ends),
          "the exec -i end row counts the bytes each way", str([s[3] for s in ends]))
    check(any(s[2] == "docker.exec.start" and int(s[3]["bytes_out"]) > 6 << 20 for s in ends),
          "output bytes are counted too", str([s[3] for s in ends]))
    check(all(s[4] == "ok" for s in ends), "the streams ended well", str([(s[3], s[4]) for s in ends if s[4] != "ok"]))
    with w.db() as db:
        left = db.execute("SELECT outcome, error FROM audit_log WHERE source = 'docker' AND action = 'docker.container.attach' "
                          "AND error = 'the client went away'").fetchall()
    check(len(left) == 1 and left[0][0] == "ok", "a client that vanished: its session's end row says so", str(left))
    check(any(s[2] == "docker.container.attach" and s[6] is not None and s[6] >= 0 for s in ends), "end rows have a duration")


def stream_tests(w, check, docker_cli):
    for group in (lambda: cli_streams(w, check, docker_cli), lambda: dockerpy_streams(w, check), lambda: raw_streams(w, check),
                  lambda: audit_streams(w, check)):
        try:
            group()
        except Exception:
            import traceback
            check(False, "a stream test group raised", traceback.format_exc())
    docker_cli(w, w.tokens["admin"], "rm", "-f", "endpoint-exec", "endpoint-startai", "endpoint-py-attach")
