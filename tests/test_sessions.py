"""The session store: cached_db whose update of an existing session is one statement."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from unionhub.lib.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_an_existing_session_is_saved_in_one_update_and_read_back():
    store = SessionStore()
    store["last_seen"] = 1
    store.save()
    store["last_seen"] = 2
    with CaptureQueriesContext(connection) as captured:
        store.save()
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["UPDATE"]
    row = Session.objects.get(session_key=store.session_key)
    assert SessionStore().decode(row.session_data)["last_seen"] == 2
    store._cache.delete(store.cache_key)  # from the database, not the cache
    assert SessionStore(store.session_key)["last_seen"] == 2


def test_saving_a_session_that_ended_meanwhile_is_refused():
    store = SessionStore()
    store["last_seen"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).delete()
    store["last_seen"] = 2
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.filter(session_key=store.session_key).exists()
