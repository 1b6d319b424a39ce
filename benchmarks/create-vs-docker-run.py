#!/usr/bin/env python3
"""POST /v1/containers?run=true -> Running, next to `docker run -d`, on the same engine, in one run.

Usage: benchmarks/create-vs-docker-run.py [--api http://127.0.0.1:9517] [--docker-host unix:///...] [-n 20]
Needs a running `zun dev` (./scripts/dev) and the docker CLI pointed at the same engine.
Prints the median and p90 of both and their ratio. Traffic goes to 127.0.0.1 only.
"""
import argparse, json, os, statistics, subprocess, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--api", default="http://127.0.0.1:9517")
p.add_argument("--docker-host", default=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
p.add_argument("-n", type=int, default=20)
p.add_argument("--image", default="busybox:1.35")
p.add_argument("--docker-network", default=None,
               help="run the docker side on this user-defined network (zun puts every container on one)")
args = p.parse_args()
HEADERS = {"OpenStack-API-Version": "container 1.40", "Content-Type": "application/json"}
env = dict(os.environ, DOCKER_HOST=args.docker_host)


def call(method, path, body=None):
    req = urllib.request.Request(args.api + path, method=method, headers=HEADERS,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req) as resp:
        data = resp.read()
        return json.loads(data) if data else None


def zun_once(i):
    start = time.perf_counter()
    c = call("POST", "/v1/containers?run=true", {"image": args.image, "name": f"bench-{i}", "command": ["sleep", "300"]})
    while True:
        status = call("GET", f"/v1/containers/{c['uuid']}")["status"]
        if status == "Running":
            return time.perf_counter() - start, c["uuid"]
        if status == "Error":
            raise SystemExit(f"container went to Error: {c['uuid']}")
        time.sleep(0.005)


def docker_once(i):
    start = time.perf_counter()
    network = ["--network", args.docker_network] if args.docker_network else []
    cid = subprocess.run(["docker", "run", "-d", "--name", f"plain-bench-{i}", *network, args.image, "sleep", "300"],
                         env=env, check=True, capture_output=True, text=True).stdout.strip()
    return time.perf_counter() - start, cid


zun, docker, zun_ids, docker_ids = [], [], [], []
for i in range(args.n):  # interleaved so both see the same engine conditions
    t, uuid = zun_once(i); zun.append(t); zun_ids.append(uuid)
    t, cid = docker_once(i); docker.append(t); docker_ids.append(cid)
for uuid in zun_ids:
    call("DELETE", f"/v1/containers/{uuid}?force=true")
subprocess.run(["docker", "rm", "-f", *docker_ids], env=env, check=True, capture_output=True)


def q(xs, f):
    return sorted(xs)[min(len(xs) - 1, int(f * len(xs)))]


print(f"runs: {args.n} each, image {args.image}")
print(f"zun POST->Running  median {statistics.median(zun)*1000:.0f} ms  p90 {q(zun, .9)*1000:.0f} ms")
print(f"docker run -d      median {statistics.median(docker)*1000:.0f} ms  p90 {q(docker, .9)*1000:.0f} ms")
print(f"ratio (median)     {statistics.median(zun)/statistics.median(docker):.2f}x")
