"""The projects, users and roles the tests use, in a Keystone that `keystone-manage bootstrap` just made.

Usage: ZUN_KEYSTONE_PASSWORD=... python keystone-fixtures.py http://127.0.0.1:PORT/v3 [ZUN_URL]

- user `admin` (bootstrap's), role admin on project admin
- user `zun`, role service (and admin, as Zun's own service user has) on project service: validates tokens
- user `alice`, role member on project alpha; user `bob`, role member on project beta
All share the password in ZUN_KEYSTONE_PASSWORD. With ZUN_URL, a `container` service (Zun's service type)
with that public endpoint goes in the catalog, so python-zunclient finds the API through Keystone.
"""
import json
import os
import sys
import urllib.request

base = sys.argv[1].rstrip("/")
zun_url = sys.argv[2] if len(sys.argv) > 2 else None
password = os.environ["ZUN_KEYSTONE_PASSWORD"]


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return response.headers, (json.loads(text) if text else None)


headers, _ = call("POST", "/auth/tokens", {"auth": {
    "identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": password}}},
    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
token = headers["X-Subject-Token"]


def find_or_create(kind, plural, name, body):
    _, listing = call("GET", f"/{plural}?name={name}", token=token)
    if listing[plural]:
        return listing[plural][0]["id"]
    _, created = call("POST", f"/{plural}", {kind: body}, token=token)
    return created[kind]["id"]


roles = {name: find_or_create("role", "roles", name, {"name": name}) for name in ("admin", "member", "reader", "service")}
for project, user, granted in (("service", "zun", ("service", "admin")), ("alpha", "alice", ("member",)), ("beta", "bob", ("member",))):
    project_id = find_or_create("project", "projects", project, {"name": project, "domain_id": "default"})
    user_id = find_or_create("user", "users", user, {"name": user, "domain_id": "default", "password": password})
    for role in granted:
        call("PUT", f"/projects/{project_id}/users/{user_id}/roles/{roles[role]}", token=token)

if zun_url:
    service_id = find_or_create("service", "services", "zun", {"name": "zun", "type": "container", "enabled": True})
    _, endpoints = call("GET", f"/endpoints?service_id={service_id}", token=token)
    for endpoint in endpoints["endpoints"]:
        call("DELETE", f"/endpoints/{endpoint['id']}", token=token)
    for interface in ("public", "internal", "admin"):
        call("POST", "/endpoints", {"endpoint": {"service_id": service_id, "interface": interface, "url": zun_url, "region_id": "RegionOne"}}, token=token)
print("keystone fixtures ready: projects admin, service, alpha, beta; users admin, zun, alice, bob", file=sys.stderr)
