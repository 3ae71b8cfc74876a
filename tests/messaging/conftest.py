"""Fixtures for messaging: a fixed clock, immediate tasks, a real local SMTP server and a real HTTP SMS gateway."""

import json
import socket
import threading
from datetime import datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

SH = ZoneInfo("Asia/Shanghai")
GATEWAY_KEY = "test-gateway-key-123"


@pytest.fixture
def now():
    """Tuesday 2 June 2026, 10:30 in Shanghai: outside every default quiet window."""
    return datetime(2026, 6, 2, 10, 30, tzinfo=SH)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": message_from_bytes(envelope.original_content or envelope.content, policy=policy.default),
            }
        )
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django's SMTP backend is pointed at it."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "care@huifang.test"
    yield inbox
    controller.stop()


class Gateway:
    """What the fake SMS gateway received, and what it answers next."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.answer = {"message_id": "gw-0001"}


@pytest.fixture
def sms_gateway(settings):
    """A real HTTP server in a thread acting as the SMS gateway (answers 401 without the key)."""
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            gateway.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(raw)})
            status, answer = gateway.status, gateway.answer
            if self.headers.get("X-Api-Key") != GATEWAY_KEY:
                status, answer = 401, {"error": "bad key"}
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_PROVIDER = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.SMS_GATEWAY_KEY = GATEWAY_KEY
    settings.SMS_GATEWAY_TIMEOUT = 5
    yield gateway
    server.shutdown()
    server.server_close()
