"""Signing an account out everywhere: its sessions, API tokens and two-factor-verified tokens."""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.authtoken.models import Token

from security.models import VerifiedToken
from unionhub.lib.chunks import key_rows


def account_sessions_end(user) -> int:
    """End every live session of the account; returns how many. Sessions are found by decoding (this is rare, so a
    scan of the live sessions, read in key-ordered chunks that also work behind PgBouncer, is fine)."""
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    ended = 0
    for session in key_rows(Session.objects.filter(expire_date__gt=timezone.now()), key="session_key"):
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def account_sign_out_everywhere(user) -> tuple[int, int]:
    """End the account's sessions and delete its API tokens and verified tokens: (sessions, tokens) ended."""
    sessions = account_sessions_end(user)
    tokens = Token.objects.filter(user=user).delete()[0]
    VerifiedToken.objects.filter(user=user).delete()
    return sessions, tokens
