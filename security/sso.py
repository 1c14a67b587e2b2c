"""Institutional SSO (统一身份认证, SPEC §9): OpenID Connect login through mozilla-django-oidc, mapping one
configured claim to a person on record.

- The provider's endpoints come from its discovery document (`<issuer>/.well-known/openid-configuration`),
  fetched on first use and cached for `UNIONHUB_OIDC_DISCOVERY_TTL_SECONDS`; an explicit `OIDC_OP_*` setting
  wins. Nothing is fetched for a password login, so a provider that is down never blocks one.
- `UNIONHUB_OIDC_PERSON_CLAIM` names the claim, `UNIONHUB_OIDC_PERSON_KEY` what it holds: `id_number`
  (found through its keyed hash, never stored or logged in clear) or `staff_number` (`Person.staff_number`).
- The person's member account logs in; a person without one gets a new account bound to them (no password:
  they can set one by phone code later). No person on record: nobody is created, the page says what to do.
- SSO signs in members only. A staff or superuser account is refused here: staff power needs the admin login
  with its second factor (security.otp), which an SSO login must never stand in for.
"""

import logging
import threading
import time

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from members.identity import identity_verification_record
from members.models import IdentityMethod, Person, User
from unionhub.audit import audit_record
from unionhub.lib import idnumber
from unionhub.lib.crypto import keyed_hash

log = logging.getLogger(__name__)

# mozilla-django-oidc setting -> key of the discovery document
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
PERSON_KEYS = ("id_number", "staff_number")

_discovery_lock = threading.Lock()
_discovery: dict[str, tuple[float, dict]] = {}


class SsoUnavailable(Exception):
    """The provider's discovery document could not be read."""


class SsoRefused(Exception):
    """The provider vouched for someone this site will not sign in; `reason` picks the page shown."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sso_enabled() -> bool:
    return bool(settings.UNIONHUB_OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def discovery_document() -> dict:
    issuer = settings.UNIONHUB_OIDC_ISSUER.rstrip("/")
    if not issuer:
        raise ImproperlyConfigured("UNIONHUB_OIDC_ISSUER is not set")
    now = time.monotonic()
    with _discovery_lock:
        cached = _discovery.get(issuer)
        if cached and now - cached[0] < settings.UNIONHUB_OIDC_DISCOVERY_TTL_SECONDS:
            return cached[1]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoUnavailable(str(exc)) from exc
    if document.get("issuer", "").rstrip("/") != issuer:
        raise SsoUnavailable("discovery document names another issuer")
    with _discovery_lock:
        _discovery[issuer] = (now, document)
    return document


def oidc_setting(attr, *default):
    """mozilla-django-oidc's `get_settings`: endpoints left empty are taken from the discovery document."""
    if attr in DISCOVERED and not getattr(settings, attr, ""):
        value = discovery_document().get(DISCOVERED[attr])
        if not value:
            raise SsoUnavailable(f"discovery document has no {DISCOVERED[attr]}")
        return value
    return import_from_settings(attr, *default)


def person_for_claim(value) -> Person | None:
    """The person the configured claim names (an anonymised person is nobody)."""
    key = settings.UNIONHUB_OIDC_PERSON_KEY
    if key not in PERSON_KEYS:
        raise ImproperlyConfigured(f"UNIONHUB_OIDC_PERSON_KEY must be one of {PERSON_KEYS}")
    value = str(value or "").strip()
    if not value:
        return None
    people = Person.objects.filter(anonymised_at__isnull=True)
    if key == "id_number":
        return people.filter(id_number_hash=keyed_hash(idnumber.normalize(value))).first()
    return people.filter(staff_number=value).first()


def sso_member_login(*, claim_value) -> User:
    """The member account to sign in for the person the provider named: theirs, or a new one bound to them.
    Records the identity as verified by SSO and audits the login. Raises SsoRefused otherwise."""
    person = person_for_claim(claim_value)
    if person is None:
        audit_record(actor=None, action="login_by_sso_refused", reason="no_person")
        raise SsoRefused("no_person")
    created = False
    with transaction.atomic():
        user = User.objects.select_for_update().filter(person=person).first()
        if user is None:
            user = User(username=f"p{person.pk}", person=person, first_name=person.name)
            user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:  # the same person signing in twice at once, or the username is taken
                user = User.objects.filter(person=person).first()
                if user is None:
                    raise SsoRefused("no_account") from None
            else:
                created = True
        if user.is_staff or user.is_superuser:
            audit_record(actor=None, action="login_by_sso_refused", obj=user, reason="staff")
            raise SsoRefused("staff")
        if not user.is_active:
            audit_record(actor=None, action="login_by_sso_refused", obj=user, reason="inactive")
            raise SsoRefused("inactive")
        identity_verification_record(user=user, method=IdentityMethod.SSO)
        audit_record(actor=user, action="login_by_sso", obj=user, account_created=created)
    log.info("SSO login: account %s%s", user.pk, " (new)" if created else "")
    return user


class PersonOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, finding the person by the configured claim instead of an e-mail.

    Endpoints and client settings are read when a callback is handled (not when the backend is built, which
    Django does for every password login too)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()
        self.OIDC_RP_IDP_SIGN_KEY = None  # RS256: keys from the JWKS

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # noqa: N802 (the library's attribute names)
        return self.get_settings("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self):  # noqa: N802
        return self.get_settings("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):  # noqa: N802
        return self.get_settings("OIDC_OP_JWKS_ENDPOINT")

    @property
    def OIDC_RP_CLIENT_ID(self):  # noqa: N802
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self):  # noqa: N802
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self):  # noqa: N802
        return settings.OIDC_RP_SIGN_ALGO

    def authenticate(self, request, **kwargs):
        # Only the callback view calls with a nonce (and code verifier) and nothing else.
        if (
            request is None
            or not sso_enabled()
            or "nonce" not in kwargs
            or set(kwargs) - {"nonce", "code_verifier"}
        ):
            return None
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims) -> bool:
        return bool(claims.get(settings.UNIONHUB_OIDC_PERSON_CLAIM))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        claims.update(self.get_userinfo(access_token, id_token, payload) or {})
        claim_value = claims.get(settings.UNIONHUB_OIDC_PERSON_CLAIM)
        try:
            return sso_member_login(claim_value=claim_value)
        except SsoRefused as exc:
            self.request.sso_refusal = exc.reason  # the callback view shows the matching page
            return None

    def get_user(self, user_id):
        return self.UserModel.objects.filter(pk=user_id, is_active=True).first()
