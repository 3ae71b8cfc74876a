"""Hand-written SQL for the small reads every signed-in request makes (issue 18): the user's memberships,
the bell's unread count, the workbench's stores and settings tokens. Compiling the ORM query cost more CPU
than running it; these statements are constant strings (one per number of ids in an IN list, built once
per process), and every value travels as a parameter, never in the string."""

from functools import cache

from django.db import connection


@cache
def placeholders(count: int) -> str:
    """ "%s, %s, …" for an IN list of `count` values."""
    return ", ".join(["%s"] * count)


def fetch_all(sql: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
