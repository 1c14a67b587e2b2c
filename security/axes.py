"""django-axes keeps attempted logins in its tables and log lines. Members log in with a phone or an ID number,
so axes counts failures per account instead: a login that names an account is stored as that account's
username (members' usernames are "p<id>"), one counter whichever of phone or ID number was typed; a login
that names no account is stored as a masked, keyed pseudonym. Never the number in clear."""

from django.conf import settings

from members.backends import PhoneIdOrUsernameBackend
from members.models import User
from unionhub.lib import idnumber, phone
from unionhub.lib.crypto import keyed_hash


def login_pseudonym(login: str) -> str:
    value = (login or "").strip()
    as_phone, as_id = phone.normalize(value), idnumber.normalize(value)
    if phone.MOBILE.match(as_phone):
        return f"{phone.mask(as_phone)}#{keyed_hash(as_phone)[:10]}"
    if idnumber.PATTERN.match(as_id):
        return f"{idnumber.mask(as_id)}#{keyed_hash(as_id)[:10]}"
    return value


def login_key(login: str) -> str:
    value = (login or "").strip()
    if not value:
        return ""
    user = PhoneIdOrUsernameBackend.user_for_login(value) or User.objects.filter(username=value).first()
    return user.username if user is not None else login_pseudonym(value)


def axes_username(request, credentials) -> str:
    field = settings.AXES_USERNAME_FORM_FIELD
    login = (credentials or {}).get(field) if credentials else None
    if login is None and request is not None and hasattr(request, "POST"):
        login = request.POST.get(field)
    return login_key(login or "")
