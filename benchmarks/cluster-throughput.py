#!/usr/bin/env python3
"""Create throughput through several API replicas: N containers POSTed concurrently (run=true), spread over
the APIs, timed until every one is Running.

Usage: benchmarks/cluster-throughput.py [-n 50] [--concurrency 8] [--api http://127.0.0.1:9517 --api http://127.0.0.1:9518]
Needs a running cluster (./scripts/cluster up). Traffic goes to 127.0.0.1 only.
"""
import argparse, collections, concurrent.futures, json, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("-n", type=int, default=50)
p.add_argument("--concurrency", type=int, default=8)
p.add_argument("--api", action="append")
p.add_argument("--image", default="busybox:1.35")
args = p.parse_args()
apis = args.api or ["http://127.0.0.1:9517", "http://127.0.0.1:9518"]
HEADERS = {"OpenStack-API-Version": "container 1.40", "Content-Type": "application/json"}


def call(base, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, headers=HEADERS,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req) as resp:
        data = resp.read()
        return json.loads(data) if data else None


def create(i):
    body = {"image": args.image, "command": ["sleep", "600"], "cpu": 0.1, "memory": 16}
    return call(apis[i % len(apis)], "POST", "/v1/containers?run=true", body)["uuid"]


# The benchmark's project (the noauth admin's) may hold 40 containers and 20 vCPUs by default: lift its limits
# for the run, and give the defaults back at the end.
call(apis[0], "PUT", "/v1/quotas/admin", {"containers": -1, "cpu": -1, "memory": -1, "disk": -1})
start = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
    uuids = list(pool.map(create, range(args.n)))
accepted = time.perf_counter() - start
pending = set(uuids)
hosts = collections.Counter()
while pending:
    listing = call(apis[0], "GET", "/v1/containers?all_projects=true&limit=1000")["containers"]
    for c in listing:
        if c["uuid"] in pending and c["status"] == "Running":
            pending.discard(c["uuid"]); hosts[c["host"]] += 1
        elif c["uuid"] in pending and c["status"] == "Error":
            raise SystemExit(f"{c['uuid']} went to Error: {c['status_reason']}")
    time.sleep(0.05)
elapsed = time.perf_counter() - start
print(f"{args.n} containers through {len(apis)} APIs: all accepted in {accepted:.2f} s "
      f"({args.n/accepted:.0f}/s), all Running after {elapsed:.2f} s ({args.n/elapsed:.1f} containers/s)")
print("per host:", dict(hosts))
for uuid in uuids:
    call(apis[0], "DELETE", f"/v1/containers/{uuid}?force=true")
call(apis[0], "DELETE", "/v1/quotas/admin")
