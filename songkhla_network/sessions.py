"""The session engine (settings.SESSION_ENGINE): Django's database sessions, the session of each
request read by a statement written out (songkhla_network.sql). Every page a signed-in person
opens reads their session first; the ORM took three times as long to read it as PostgreSQL did.
Writing, expiry and everything else are Django's."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from . import sql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        rows = sql.fetch(
            f"SELECT {sql.columns(Session, 's')} FROM {Session._meta.db_table} s"
            " WHERE s.session_key = %s AND s.expire_date > %s",
            [self.session_key, timezone.now()],
        )
        if rows:
            return sql.instances(Session, rows)[0]
        self._session_key = None  # as Django does for a session that is not there or has expired
        return None
