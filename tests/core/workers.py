"""Real worker and scheduler processes for tests: the test database shared with subprocesses, start, kill.

On PostgreSQL the subprocess connects to pytest's test database. SQLite's test database lives in memory,
which no other process can open, so it is copied into a file for the subprocesses (`push`) and copied back
for the test's assertions (`pull`), both with SQLite's online backup.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


class SharedDatabase:
    def __init__(self, tmp_path: Path, **task_settings: int):
        self.tmp_path = tmp_path
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / "shared.sqlite3"
            url = f"sqlite:///{self.path}"
        else:
            s = connection.settings_dict
            auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
            url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "HUIFANG_VAR_DIR": str(tmp_path),
            "DJANGO_DEBUG": "1",
            "PYTHONUNBUFFERED": "1",
            **{f"HUIFANG_TASK_{k.upper()}": str(v) for k, v in task_settings.items()},
        }
        self.processes: list[subprocess.Popen] = []

    def push(self) -> None:
        """Make the test's writes visible to the subprocesses."""
        if self.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()

    def pull(self) -> None:
        """Make the subprocesses' writes visible to the test."""
        if self.vendor == "sqlite":
            source = sqlite3.connect(self.path, timeout=30)
            connection.ensure_connection()
            source.backup(connection.connection)
            source.close()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the shared database directly while subprocesses run (no copy back)."""
        if self.vendor == "sqlite":
            db = sqlite3.connect(self.path, timeout=30)
            try:
                return db.execute(sql, params).fetchall()
            finally:
                db.close()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall()

    def start(self, *args: str, log: str) -> subprocess.Popen:
        """Start `manage.py <args>` against the shared database; its output goes to <tmp>/<log>.log."""
        out = (self.tmp_path / f"{log}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )
        process.log_path = self.tmp_path / f"{log}.log"  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def worker(self, worker_id: str, *extra: str) -> subprocess.Popen:
        return self.start(
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--worker-id",
            worker_id,
            *extra,
            log=worker_id,
        )

    def wait_for(self, sql: str, params: tuple = (), *, expect, timeout: float = 90.0) -> list[tuple]:
        """Poll `sql` until its rows equal `expect` (or `expect(rows)` is true); fail after `timeout`."""
        deadline = time.monotonic() + timeout
        rows: list[tuple] = []
        while time.monotonic() < deadline:
            rows = self.query(sql, params)
            if expect(rows) if callable(expect) else rows == expect:
                return rows
            for p in self.processes:
                if p.poll() not in (None, 0, -signal.SIGKILL, -signal.SIGTERM):
                    raise AssertionError(f"process exited with {p.returncode}:\n{p.log_path.read_text()}")
            time.sleep(0.02)
        logs = "\n".join(p.log_path.read_text()[-3000:] for p in self.processes)
        raise AssertionError(f"timed out waiting for {sql!r} == {expect!r}; last {rows!r}\n{logs}")

    @staticmethod
    def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> int:
        process.send_signal(sig)
        return process.wait(timeout=60)

    def stop_all(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
