"""The production start path (deploy/huifang-start all) on PostgreSQL with DEBUG off: start, /health, stop."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# Migrating every app on a busy 2-core CI machine takes minutes; the scheduler's first job comes within a minute.
START_LIMIT_SECONDS = 600


def _get(url: str) -> tuple[int, dict | str, dict]:
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
            body = response.read().decode()
            return response.status, body, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fresh_postgres_url():
    """A new, empty PostgreSQL database next to the test database (dropped afterwards)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the production start path is tested on PostgreSQL (DATABASE_URL=postgres://…)")
    import psycopg

    name = f"huifang_prodstart_{os.getpid()}"
    server = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        server += f" password={db['PASSWORD']}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    yield f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_production_start_serves_health_with_debug_off_and_stops_cleanly(fresh_postgres_url, tmp_path):
    # given a fresh PostgreSQL database and the production environment (DEBUG off, a real secret key)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PYTEST", "HUIFANG_"))}
    env.update(
        DATABASE_URL=fresh_postgres_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        HUIFANG_VAR_DIR=str(tmp_path),
        HUIFANG_BIND=f"127.0.0.1:{port}",
        HUIFANG_PYTHON=sys.executable,
        HUIFANG_STATIC_COMPRESS="0",
        WEB_CONCURRENCY="1",
    )
    log = (tmp_path / "start.log").open("w")
    process = subprocess.Popen(
        [str(ROOT / "deploy" / "huifang-start"), "all"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # when it has migrated, collected static files and started web, worker and scheduler
        deadline = time.monotonic() + START_LIMIT_SECONDS
        status, body = 0, ""
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, body, _ = _get(f"http://127.0.0.1:{port}/health")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(2)
        output = (tmp_path / "start.log").read_text()
        # then /health reports the database, a worker taking tasks and the scheduler's last run
        assert status == 200, f"/health answered {status} {body}\n{output[-3000:]}"
        report = json.loads(body)
        assert report["database"] == {"ok": True, "engine": "postgresql"}
        assert report["worker"]["ok"] is True
        assert report["scheduler"]["ok"] is True and report["scheduler"]["last_run_at"]
        # and DEBUG is off: a plain-HTTP page redirects to HTTPS (the proxy's job in production)
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"http://127.0.0.1:{port}/login/", timeout=10)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"].startswith("https://")
        # and no auto-reloader runs
        assert "autoreload" not in output.lower()
        assert "Watching for file changes" not in output
    finally:
        # when it is stopped (as systemd does, SIGTERM)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            code = process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            code = process.wait()
        log.close()
    # then every process stopped
    assert code is not None
    with pytest.raises(OSError):
        _get(f"http://127.0.0.1:{port}/health")
