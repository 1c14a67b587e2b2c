"""Receivers for authentication events (records only; no business effects)."""

import logging
import time

from unionhub.audit import audit_record
from unionhub.lib.client_ip import login_failure_record
from unionhub.lib.logging import scrub

log = logging.getLogger("security")


def lockout_record(sender, request, username, ip_address, **kwargs):
    """django-axes locked a username+IP out: one warning line and one audit row, with the login masked."""
    login = scrub(username or "")
    log.warning("login locked out: login=%s ip=%s", login, ip_address)
    audit_record(actor=None, action="login_locked_out", login=login, ip=ip_address)


def session_start_mark(sender, request, user, **kwargs):
    """The absolute session timeout counts from the login."""
    if hasattr(request, "session"):
        request.session["session_started"] = int(time.time())


def login_failure_count(sender, credentials=None, request=None, **kwargs):
    """Every failed login counts against its address (unionhub.lib.client_ip), whichever account it named."""
    if request is not None:
        login_failure_record(request)
