"""Shared set-up of the benchmarks: Django on the database named by DATABASE_URL (default a SQLite file here)."""

import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULT_PREFIX = "RESULT "


def setup_django(default_db: str = "bench.sqlite3", migrate: bool = True) -> str:
    """Point Django at DATABASE_URL (or bench/out/<default_db>), set it up, migrate; return the database URL."""
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huifang.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / default_db}")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return os.environ["DATABASE_URL"]


def database_label() -> str:
    from django.db import connection

    return f"{connection.vendor} ({connection.settings_dict['NAME']})"


@contextmanager
def timer():
    """`with timer() as t: …` then t() is the elapsed seconds."""
    start = time.perf_counter()
    elapsed = [0.0]
    yield lambda: elapsed[0]
    elapsed[0] = time.perf_counter() - start


def report(name: str, seconds: float, **figures) -> None:
    """One machine-readable line for run_all.py, after the human-readable ones."""
    print(RESULT_PREFIX + json.dumps({"name": name, "seconds": round(seconds, 2), **figures}, ensure_ascii=False))


def bench_store(code: str):
    """A fresh store in the demo group for one benchmark run (VINs are unique per store, so runs never clash)."""
    from huifang.accounts.models import Store
    from huifang.archive.demo import demo_organisation_ensure

    stores = demo_organisation_ensure()
    template = stores["SZ01"]
    store, _ = Store.objects.get_or_create(
        code=code,
        defaults={
            "name": f"基准测试 {code}",
            "group": template.group,
            "region": template.region,
            "brand": "斯柯达",
            "city": "深圳",
        },
    )
    return store


def backend_cpu_seconds() -> float | None:
    """CPU seconds the PostgreSQL backend of this connection has used (a local server: /proc, nanoseconds), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/schedstat") as stat:  # nanoseconds on a CPU, then wait, then slices
            return int(stat.read().split()[0]) / 1e9
    except OSError:
        return None


def first_agent_client(store_code: str):
    """(client, agent): a test client signed in as the first call agent of a store made by load_workbench.py, its queue opened
    once (templates, translations, the session's last-seen mark warm). For the in-process workbench profiles."""
    from django.conf import settings
    from django.test import Client

    from huifang.accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    agent = User.objects.filter(username__startswith=f"{store_code.lower()}_agent").order_by("username").first()
    client = Client()
    client.force_login(agent)
    client.get("/workbench/")
    return client, agent
