"""How an account's identity was verified (SPEC §9): recorded once per method, read as a list of methods."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from members.models import IdentityMethod, IdentityVerification, User
from unionhub.audit import audit_record


def identity_verification_record(
    *, user: User, method: str, actor: User | None = None, note: str = ""
) -> IdentityVerification:
    """Record that `user`'s identity was verified by `method` (the first time counts; later ones are no-ops)."""
    if method not in IdentityMethod.values:
        raise ValueError(f"unknown identity method {method!r}")
    existing = IdentityVerification.objects.filter(user=user, method=method).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            row = IdentityVerification.objects.create(user=user, method=method, actor=actor, note=note[:200])
    except IntegrityError:  # verified the same way at the same moment elsewhere
        return IdentityVerification.objects.get(user=user, method=method)
    audit_record(actor=actor, action="identity.verified", obj=user, method=method)
    return row


def identity_verified_by(user: User | None) -> list[str]:
    """The methods by which `user`'s identity was verified, in the order they happened (empty: never verified)."""
    if user is None or not user.pk:
        return []
    return list(IdentityVerification.objects.filter(user=user).values_list("method", flat=True))


def identity_verified_by_label(user: User | None) -> str:
    """The methods as the staff pages show them (未核验 when none)."""
    labels = dict(IdentityMethod.choices)
    methods = identity_verified_by(user)
    if not methods:
        return gettext("未核验")
    return "、".join(str(labels[m]) for m in methods)


def person_identity_label(person) -> str:
    """The identity methods of the person's account as staff lists show them; reads
    `user__identity_verifications` when the list prefetched it (one query for the page)."""
    user = getattr(person, "user", None)
    if user is None:
        return gettext("无账号")
    labels = dict(IdentityMethod.choices)
    methods = [row.method for row in user.identity_verifications.all()]
    if not methods:
        return gettext("未核验")
    return "、".join(str(labels[m]) for m in methods)
