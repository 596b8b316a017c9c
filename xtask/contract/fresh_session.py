"""schemathesis hook (SCHEMATHESIS_HOOKS=fresh_session) for the operations that end the
session they are called with (sign-out, own password change): every request gets a session of
its own, signed in just before, so one request ending its session never turns the next into a
401.
"""

import json
import os
import urllib.request

import schemathesis


@schemathesis.auth(refresh_interval=None)
class FreshSession:
    def get(self, case, context):
        body = json.dumps({"email": os.environ["NPS_CONTRACT_EMAIL"], "password": os.environ["NPS_CONTRACT_PASSWORD"]}).encode()
        request = urllib.request.Request(
            os.environ["NPS_CONTRACT_URL"] + "/api/admin/session",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            cookie = response.headers.get("Set-Cookie", "")
        return cookie.split(";", 1)[0].split("=", 1)[1]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
