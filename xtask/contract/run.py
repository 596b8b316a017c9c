"""The API contract check (docs/api-contract.md), run by `cargo xtask contract` with the
venv's Python against a collector that xtask has started on a fresh data dir.

Seeds what the operations need (an owner, a project, a survey, users, a webhook, an action, a
campaign), then runs schemathesis twice:

1. every operation but the two that end the caller's session, with the owner's bearer
   session and path parameters bound to the seeded ids;
2. the session-ending operations (sign-out, own password change), each request with a
   session of its own (the `fresh_session` hook), so ending it cannot turn the rest of the run
   into 401s.

Exits non-zero when either run reports any failure.
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
OWNER = ("owner@contract.test", "contract-owner-password")
SESSION_USER = ("session@contract.test", "contract-session-password")

# Operations that end the session they are called with; run 2 gives each request its own.
SESSION_ENDING = [("DELETE", "/api/admin/session"), ("POST", "/api/admin/session/password")]


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            cookie = response.headers.get("Set-Cookie", "")
            return response.status, (json.loads(text) if text else None), cookie
    except urllib.error.HTTPError as error:
        raise SystemExit(f"seeding failed: {method} {path} answered {error.code}: {error.read().decode()}")


def sign_in(base, email, password):
    _, _, cookie = call(base, "POST", "/api/admin/session", {"email": email, "password": password})
    # The session cookie's value is the token; it also works as a bearer token.
    return cookie.split(";", 1)[0].split("=", 1)[1]


def seed(base):
    call(base, "POST", "/api/admin/bootstrap", {"email": OWNER[0], "password": OWNER[1]})
    token = sign_in(base, *OWNER)
    project = call(base, "POST", "/api/admin/projects", {"name": "Contract", "allowed_origins": ["*"]}, token)[1]
    pid = project["id"]
    survey = call(base, "POST", f"/api/admin/projects/{pid}/surveys", {"name": "In-app", "kind": "tnps"}, token)[1]
    call(base, "POST", "/api/admin/users", {"email": SESSION_USER[0], "password": SESSION_USER[1], "role": "owner"}, token)
    # The target of the user operations (disable, delete, role): never the owner running the
    # fuzzer, whose session must last the run.
    call(base, "POST", "/api/admin/users", {"email": "target@contract.test", "password": "contract-target-password", "role": "analyst"}, token)
    users = call(base, "GET", "/api/admin/users", token=token)[1]
    target = next(u["id"] for u in users if u["email"] == "target@contract.test")
    webhook = call(base, "POST", f"/api/admin/projects/{pid}/webhooks", {"url": "https://hooks.contract.test/nps", "events": ["response.created"]}, token)[1]
    action = call(base, "POST", "/api/admin/actions", {"project_id": pid, "title": "Faster search", "decision": "Index titles", "decided_at": 1_700_000_000_000}, token)[1]
    return token, {"project": pid, "key": project["public_key"], "survey": survey["id"], "user": target, "webhook": webhook["id"], "action": action["id"]}


def config(ids, token):
    """The schemathesis.toml of run 1: the owner's session, path parameters bound to the seeded
    ids (so operations reach their handlers instead of all answering 404)."""
    bindings = [
        (r"^/api/admin/projects/\{id\}", ids["project"]),
        (r"^/api/admin/surveys/\{id\}", ids["survey"]),
        (r"^/api/admin/users/\{id\}", ids["user"]),
        (r"^/api/admin/webhooks/\{id\}", ids["webhook"]),
        (r"^/api/admin/actions/\{id\}", ids["action"]),
    ]
    # Declared as the credentials of the `bearer` scheme (not as a plain header), so the auth
    # checks know which scheme carries the session and probe the others without it.
    lines = [f'[auth.openapi.bearer]\nbearer = "{token}"\n', f'[parameters]\n"path.key" = "{ids["key"]}"\n']
    for regex, value in bindings:
        lines.append(f"[[operations]]\ninclude-path-regex = '{regex}'\nparameters = {{ \"path.id\" = {value} }}\n")
    return "\n".join(lines)


def schemathesis(base, global_args, run_args, env, fuzz_seconds, report):
    command = [
        os.path.join(os.path.dirname(sys.executable), "schemathesis"),
        *global_args,
        "run", f"{base}/openapi.json",
        *run_args,
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing",
        "--max-time", str(fuzz_seconds),
        "--workers", "2",
        "--report", "junit", "--report-dir", report,
        "--suppress-health-check", "all",
    ]
    print("$", " ".join(command), flush=True)
    return subprocess.run(command, env=env).returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--fuzz-seconds", type=int, default=120)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    token, ids = seed(args.url)
    print(f"seeded: {ids}", flush=True)
    os.makedirs(args.work_dir, exist_ok=True)
    config_path = os.path.join(args.work_dir, "schemathesis.toml")
    with open(config_path, "w") as f:
        f.write(config(ids, token))
    env = dict(os.environ)
    # sitecustomize.py: a workaround for a CPython 3.11 bug in Hypothesis' reports (see there).
    env["PYTHONPATH"] = os.path.join(HERE, "site")
    ending = [arg for method, path in SESSION_ENDING for arg in ("--exclude-name", f"{method} {path}")]
    main_run = schemathesis(args.url, ["--config-file", config_path], ending, env, args.fuzz_seconds, os.path.join(args.work_dir, "report-main"))
    env["SCHEMATHESIS_HOOKS"] = "fresh_session"
    env["PYTHONPATH"] = os.pathsep.join([HERE, os.path.join(HERE, "site")])
    env["NPS_CONTRACT_URL"] = args.url
    env["NPS_CONTRACT_EMAIL"], env["NPS_CONTRACT_PASSWORD"] = SESSION_USER
    only = [arg.replace("--exclude-", "--include-") for arg in ending]
    # Two operations only: a fraction of the time is plenty.
    ending_run = schemathesis(args.url, [], only, env, max(10, args.fuzz_seconds // 8), os.path.join(args.work_dir, "report-session"))
    print(f"contract: main run exit {main_run}, session-ending run exit {ending_run}", flush=True)
    return 1 if main_run or ending_run else 0


if __name__ == "__main__":
    sys.exit(main())
