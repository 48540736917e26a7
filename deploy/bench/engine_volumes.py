#!/usr/bin/env python3
"""Creates (or removes) N volumes named wbench-list-<i> on an engine over plain TCP, on one
kept-alive connection: the volume list benchmark's fixture.

    engine_volumes.py 127.0.0.1:23750 create 2000
    engine_volumes.py 127.0.0.1:23750 remove 2000
"""
import http.client, json, sys

host, _, port = sys.argv[1].rpartition(":")
action, count = sys.argv[2], int(sys.argv[3])
client = http.client.HTTPConnection(host, int(port), timeout=30)
for index in range(count):
    name = f"wbench-list-{index}"
    if action == "create":
        client.request("POST", "/v1.41/volumes/create", body=json.dumps({"Name": name, "Labels": {"wharf.bench": "list"}}),
                       headers={"Content-Type": "application/json"})
    else:
        client.request("DELETE", f"/v1.41/volumes/{name}")
    response = client.getresponse()
    response.read()
    if response.status >= 300 and not (action == "remove" and response.status == 404):
        sys.exit(f"{action} {name}: {response.status}")
print(f"{action}d {count}")
