"""Django's database sessions, read with one hand-written SQL statement (issue 18).

Every signed-in request loads its session; the ORM's compilation of that one-row query cost more CPU than
running it. Same table, same encoding, same expiry rule (expire_date after now) as
django.contrib.sessions.backends.db, which does everything else (save, delete, exists, clear_expired):
switching SESSION_ENGINE to this module keeps every signed-in session valid.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql = (
            f"SELECT session_key, session_data, expire_date FROM {model._meta.db_table}"
            " WHERE session_key = %s AND expire_date > %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        # Only session_data is read from it (load); expire_date stays as the driver gave it.
        return model.from_db(alias, ["session_key", "session_data", "expire_date"], row)
