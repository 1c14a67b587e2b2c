"""Clearing an account's login lockout once its owner has proved who they are (a password reset by phone code
or by e-mail link): they can log in at once with the new password instead of waiting out axes' cool-off."""

import logging

from axes.utils import reset as axes_reset

from members.models import User

log = logging.getLogger(__name__)


def lockout_clear(user: User) -> int:
    """Remove axes' failed-attempt records of this account (stored under its username, from any address; see
    security/axes.py). The per-address counter across accounts (unionhub.lib.client_ip) stays: one reset must
    not wipe the count of an address that tried many accounts."""
    removed = axes_reset(username=user.username)
    if removed:
        log.info("login lockout cleared for account %s (%s records)", user.pk, removed)
    return removed
