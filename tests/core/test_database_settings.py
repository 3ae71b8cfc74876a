"""The database part of huifang/settings.py read from the environment (docs/operations.md §2)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _database_settings(**env) -> dict:
    """DATABASES["default"] as a fresh interpreter builds it from these environment variables."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    environment.update(env)
    code = "import json; from huifang import settings; print(json.dumps(settings.DATABASES['default'], default=str))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


POSTGRES = "postgres://huifang:secret@127.0.0.1:5432/huifang"


def test_postgresql_prepares_statements_by_default():
    database = _database_settings(DATABASE_URL=POSTGRES)
    assert database["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 2}
    assert database["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    ("env", "options"),
    [
        ({"DB_SERVER_SIDE_BINDING": "0"}, {}),
        ({"DB_PREPARE_THRESHOLD": "5"}, {"server_side_binding": True, "prepare_threshold": 5}),
    ],
)
def test_prepared_statements_are_configurable(env, options):
    # DB_SERVER_SIDE_BINDING=0 is the setting behind PgBouncer < 1.21 in transaction mode.
    assert _database_settings(DATABASE_URL=POSTGRES, **env).get("OPTIONS", {}) == options


def test_sqlite_keeps_its_own_options():
    options = _database_settings(DATABASE_URL="sqlite:////tmp/x.sqlite3", DB_SERVER_SIDE_BINDING="1")["OPTIONS"]
    assert "server_side_binding" not in options
    assert options["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_a_repeated_statement_is_prepared_on_postgresql():
    from django.db import connection

    from huifang.accounts.models import Store

    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        pytest.skip("prepared statements: PostgreSQL with DB_SERVER_SIDE_BINDING=1")
    # when the same query runs a third time on the connection (DB_PREPARE_THRESHOLD=2)
    for _ in range(3):
        list(Store.objects.filter(code="NOPE").values_list("pk", flat=True))
    # then PostgreSQL holds it as a prepared statement
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "accounts_store"' in sql and "$1" in sql for sql in prepared), prepared
