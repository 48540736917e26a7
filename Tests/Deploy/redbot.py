#!/usr/bin/env python3
"""REDbot (the HTTP linter, from PyPI) over Wharf's main anonymous pages and its static assets.

Starts `wharf serve` on a free loopback port with a fresh data directory, asks REDbot about each
URL (the versioned asset URLs are taken from the sign-in page), and fails on any note REDbot rates
as a problem ("BAD" or "WARN"), except the one the issue's cache policy asks for on purpose:

  "Cache-Control: public is probably not necessary." on versioned assets: `public` lets shared
  caches (a CDN, a proxy in front of a Basic-Auth gate) keep them even when the request carried
  credentials, which plain `max-age` does not allow.

Usage: Tests/Deploy/redbot.py [BINARY]   (default .build/debug/wharf)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALLOWED = {"Cache-Control: public is probably not necessary."}


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/wharf")
    beside = os.path.join(os.path.dirname(sys.executable), "redbot")  # the test command's venv
    redbot = beside if os.access(beside, os.X_OK) else shutil.which("redbot")
    if not redbot:
        sys.exit("redbot.py: the redbot command is missing (pip install redbot)")
    data = tempfile.mkdtemp(prefix="wharf-redbot-")
    env = dict(os.environ, WHARF_LISTEN="127.0.0.1:0", WHARF_DATA_DIR=data, WHARF_RESOURCES=ROOT)
    server = subprocess.Popen([binary, "serve", "--no-access-log"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.time() + 20
        while port is None and time.time() < deadline:
            line = server.stderr.readline()
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if match:
                port = match.group(1)
        if port is None:
            sys.exit("redbot.py: wharf serve did not start")
        base = f"http://127.0.0.1:{port}"
        page = urllib.request.urlopen(base + "/signin").read().decode()
        assets = sorted(set(re.findall(r'(/static/[^"?]+\?v=[0-9a-f]+)', page)))
        if len(assets) < 3:
            sys.exit(f"redbot.py: expected the stylesheet, script and icon on /signin, found {assets}")
        paths = ["/signin", "/", "/healthz", "/readyz", "/favicon.ico", "/static/css/wharf.css", "/no-such-page",
                 "/setup"] + assets
        problems = []
        for path in paths:
            result = subprocess.run([redbot, "-o", "har", base + path], capture_output=True, text=True, timeout=120)
            if result.returncode != 0:
                problems.append(f"{path}: redbot exited {result.returncode}: {result.stderr.strip()[-500:]}")
                continue
            for entry in json.loads(result.stdout)["log"]["entries"]:
                status = entry["response"]["status"]
                notes = [(m.get("level"), m.get("summary")) for m in entry.get("_red_messages", [])]
                bad = [(level, text) for level, text in notes if level in ("BAD", "WARN") and text not in ALLOWED]
                print(f"redbot.py: {path} {status}: {len(notes)} notes, {len(bad)} problems")
                problems += [f"{path}: {level} {text}" for level, text in bad]
        if problems:
            sys.exit("redbot.py: REDbot found problems:\n  " + "\n  ".join(problems))
        print(f"redbot.py: {len(paths)} URLs checked, no problems")
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
