"""Local fakes of the DingTalk and WeCom group-robot HTTP contracts (real HTTP servers in threads).

Each fake checks a request the way the platform does (token or key, DingTalk's 加签 signature recomputed
here from the secret, the markdown body) and records what its group received. Tests queue answers
(e.g. a rate limit) with `fake.answers.append(...)`.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as dtime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from huifang.core import clock
from huifang.robots import services
from huifang.robots.choices import Platform

SH = ZoneInfo("Asia/Shanghai")
DINGTALK_TOKEN = "dt0123456789abcdef"
DINGTALK_SECRET = "SEC0123456789abcdefSECRET"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@dataclass
class FakeRobot:
    """One platform's robot service: which groups exist (token → secret), what each group received."""

    platform: str
    groups: dict[str, str] = field(default_factory=dict)
    received: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    base: str = ""

    def webhook(self, token: str) -> str:
        if self.platform == Platform.DINGTALK:
            return f"{self.base}/robot/send?access_token={token}"
        return f"{self.base}/cgi-bin/webhook/send?key={token}"

    def messages_of(self, token: str) -> list[dict]:
        return [m for m in self.received if m["token"] == token]


def _dingtalk_check(fake: FakeRobot, query: dict, body: dict) -> tuple[dict, str]:
    """DingTalk's checks: the token names a robot; a robot with 加签 needs a fresh timestamp and its sign."""
    token = query.get("access_token", [""])[0]
    if token not in fake.groups:
        return {"errcode": 300001, "errmsg": "token is not exist"}, token
    secret = fake.groups[token]
    if secret:
        timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
            return {"errcode": 310000, "errmsg": "invalid timestamp"}, token
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(sign, expected):
            return {"errcode": 310000, "errmsg": "sign not match"}, token
    markdown = body.get("markdown") or {}
    if body.get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
        return {"errcode": 40035, "errmsg": "缺少参数 markdown"}, token
    return {"errcode": 0, "errmsg": "ok"}, token


def _wecom_check(fake: FakeRobot, query: dict, body: dict) -> tuple[dict, str]:
    """WeCom's checks: the key names a robot; markdown content present and at most 4096 bytes."""
    token = query.get("key", [""])[0]
    if token not in fake.groups:
        return {"errcode": 93000, "errmsg": "invalid webhook url"}, token
    content = (body.get("markdown") or {}).get("content") or ""
    if body.get("msgtype") != "markdown" or not content:
        return {"errcode": 40008, "errmsg": "invalid message type"}, token
    if len(content.encode()) > 4096:
        return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, token
    return {"errcode": 0, "errmsg": "ok"}, token


def _serve(fake: FakeRobot, path: str, check):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.loads(raw) if parts.path == path else {}
            query = parse_qs(parts.query)
            answer, token = check(fake, query, body) if parts.path == path else ({"errcode": 404}, "")
            if answer["errcode"] == 0 and fake.answers:
                answer = fake.answers.pop(0)  # a queued answer (rate limit, system busy) instead of success
            record = {"token": token, "body": body, "query": query, "answer": answer}
            (fake.received if answer["errcode"] == 0 else fake.refused).append(record)
            data = json.dumps(answer).encode()
            self.send_response(200)  # both platforms answer errors with HTTP 200 and an errcode
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    return server


@pytest.fixture
def dingtalk(settings):
    fake = FakeRobot(Platform.DINGTALK, groups={DINGTALK_TOKEN: DINGTALK_SECRET})
    server = _serve(fake, "/robot/send", _dingtalk_check)
    settings.ROBOT_DINGTALK_BASE = fake.base
    settings.ROBOT_TIMEOUT = 5
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def wecom(settings):
    fake = FakeRobot(Platform.WECOM, groups={WECOM_KEY: ""})
    server = _serve(fake, "/cgi-bin/webhook/send", _wecom_check)
    settings.ROBOT_WECOM_BASE = fake.base
    settings.ROBOT_TIMEOUT = 5
    yield fake
    server.shutdown()
    server.server_close()


def robot_on(store, fake: FakeRobot, *, token: str, secret: str = "", now=None, **switches):
    """Turn the store's robot on, pointed at the fake's group `token` (as the settings screen does)."""
    values = {
        "enabled": True,
        "platform": fake.platform,
        "post_brief": True,
        "brief_time": dtime(8, 30),
        "post_escalations": True,
        "post_major": True,
        "post_hot": True,
    } | switches
    return services.settings_update(
        store=store, actor=None, now=now or clock.now(), webhook=fake.webhook(token), secret=secret, **values
    )


@pytest.fixture
def now():
    """Tuesday 2 June 2026, 10:30 in Shanghai."""
    return datetime(2026, 6, 2, 10, 30, tzinfo=SH)
