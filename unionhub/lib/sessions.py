"""Sessions in the database with the cache in front (Django's cached_db), an existing session saved in one
statement: a plain UPDATE, which is atomic by itself, instead of BEGIN, UPDATE, COMMIT (the idle clock of
unionhub.middleware writes the session every few minutes of every member's visit)."""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import UpdateError
from django.db import router

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create)  # a new key: INSERT in a transaction, a taken key retried
        obj = self.create_model_instance(self._get_session())
        using = router.db_for_write(self.model, instance=obj)
        updated = (
            self.model.objects.using(using)
            .filter(session_key=obj.session_key)
            .update(session_data=obj.session_data, expire_date=obj.expire_date)
        )
        if not updated:  # ended meanwhile (logged out elsewhere): as Django's own store
            raise UpdateError
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)
        return None
