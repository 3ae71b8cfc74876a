"""Django's database sessions, read with one hand-written SQL statement (issue 18).

Every signed-in request loads its session; the ORM's compilation of that one-row query cost more CPU than
running it. Same table, same encoding, same expiry rule (expire_date after now) as
django.contrib.sessions.backends.db, which does everything else (save, delete, exists, clear_expired):
switching SESSION_ENGINE to this module keeps every signed-in session valid.

The session's user in the same statement: a session key belongs to one user for its whole life (signing in
gives a new key, signing out deletes it), so once a request of this process has read which user a session
names (core.session_user), the next request of that session reads the session and that user's row (with
the memberships, core.session_user's statement) in one statement, one round trip less on every signed-in
request. The remembered id is only a guess of what to read along: core.session_user uses the rows only when
the session's own data names the same user, and checks them exactly as it checks rows read on their own;
otherwise it reads the user by itself as before.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

# {session key: the user id its data named when a request of this process last read it}; emptied when full.
_USER_OF_SESSION: dict[str, int] = {}
USERS_REMEMBERED = 10_000


def remember_user(session_key: str | None, user_id: int) -> None:
    """Read `user_id`'s row with this session from its next request on (core.session_user, once it has read
    the session's user)."""
    if session_key is None or _USER_OF_SESSION.get(session_key) == user_id:
        return
    if len(_USER_OF_SESSION) >= USERS_REMEMBERED:
        _USER_OF_SESSION.clear()
    _USER_OF_SESSION[session_key] = user_id


class SessionStore(db.SessionStore):
    # (user id, that user's rows of core.session_user's statement) read with the session, until taken.
    _user_rows: tuple[int, list] | None = None

    def _get_session_from_db(self):
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        columns = "s.session_key, s.session_data, s.expire_date"
        where = " WHERE s.session_key = %s AND s.expire_date > %s"
        params = [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())]
        user_id = _USER_OF_SESSION.get(self.session_key) if alias == "default" else None
        if user_id is None:
            sql = f"SELECT {columns} FROM {model._meta.db_table} s{where}"
        else:
            from huifang.core.session_user import user_statement

            user_sql, user_params = user_statement(user_id)
            # The user's rows beside the session row (one per membership; NULLs when the user is gone).
            sql = f"SELECT {columns}, u.* FROM {model._meta.db_table} s LEFT OUTER JOIN ({user_sql}) u ON 1 = 1{where}"
            params = [*user_params, *params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            self._session_key = None
            return None
        if user_id is not None:
            self._user_rows = (user_id, [row[3:] for row in rows if row[3] is not None])
        # Only session_data is read from it (load); expire_date stays as the driver gave it.
        return model.from_db(alias, ["session_key", "session_data", "expire_date"], rows[0][:3])

    def user_rows_for(self, user_id: int) -> list | None:
        """The rows of user `user_id` read with the session (an empty list: no such user), or None when the
        session was read without them or with another user's; taken once."""
        kept, self._user_rows = self._user_rows, None
        if kept is None or kept[0] != user_id:
            return None
        return kept[1]
