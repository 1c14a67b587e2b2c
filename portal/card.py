"""Electronic member card (电子会员卡): activation, and the signed, expiring link its QR code carries.

The link holds the membership id and the card version: the id of the membership's latest history event. Every
state change or move adds an event, so a link issued before a withdrawal, expulsion or transfer no longer
verifies, whatever happens to the membership afterwards.
"""

import dataclasses

import segno
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext

from members import selectors
from members.models import Membership, MembershipStatus, User
from unionhub.audit import audit_record
from unionhub.lib import idnumber
from unionhub.lib.crypto import keyed_hash
from unionhub.lib.errors import BusinessError

SALT = "portal.card.verify"
CARD_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.RETAINED)


@dataclasses.dataclass(frozen=True)
class CardCheck:
    """What the public verification page may say: nothing beyond the union and the masked name."""

    result: str  # "valid", "invalid", "expired" or "tampered"
    union_name: str = ""
    masked_name: str = ""
    retained: bool = False

    @property
    def is_valid(self) -> bool:
        return self.result == "valid"


def card_version(membership: Membership) -> int:
    return membership.events.aggregate(v=Max("pk"))["v"] or 0


def card_available(membership: Membership | None) -> bool:
    return bool(membership and membership.status in CARD_STATUSES and membership.card_active)


def card_token(membership: Membership) -> str:
    return signing.dumps({"m": membership.pk, "v": card_version(membership)}, salt=SALT, compress=False)


def card_verify_url(membership: Membership, request=None) -> str:
    """The absolute link a card's QR code encodes: on UNIONHUB_SITE_URL when it is configured, otherwise on the
    host the page was asked from (so a card served on another host or port scans back to that site)."""
    path = reverse("member-card-verify", args=[card_token(membership)])
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    if request is not None:
        return request.build_absolute_uri(path)
    return "http://127.0.0.1:8000" + path


def card_qr_svg(url: str) -> str:
    """An inline SVG QR code for the link (segno, error correction M); sized by CSS."""
    return segno.make(url, error="m").svg_inline(
        scale=4, border=2, omitsize=True, svgclass="qr", title="会员卡核验二维码"
    )


def card_check(token: str) -> CardCheck:
    """Verify a card link as of now: signature, age, and the membership as it stands today."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.CARD_LINK_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return CardCheck("expired")
    except signing.BadSignature:
        return CardCheck("tampered")
    if not isinstance(data, dict):
        return CardCheck("tampered")
    membership = Membership.objects.select_related("person", "union").filter(pk=data.get("m")).first()
    if not card_available(membership) or card_version(membership) != data.get("v"):
        return CardCheck("invalid")
    return CardCheck(
        "valid",
        union_name=membership.union.name,
        masked_name=membership.person.masked_name,
        retained=membership.status == MembershipStatus.RETAINED,
    )


@transaction.atomic
def membership_card_activate(*, membership_id: int, actor: User, id_number: str) -> Membership:
    """激活会员卡 (Changxing): the member confirms their details and types their ID number to turn the card on."""
    membership = (
        Membership.objects.select_for_update().select_related("person").filter(pk=membership_id).first()
    )
    if membership is None or membership.person_id != actor.person_id:
        raise BusinessError("not_your_membership", gettext("只能开通本人的会员卡。"))
    if membership.status not in CARD_STATUSES:
        raise BusinessError("membership_inactive", gettext("会籍已终止，不能开通电子会员卡。"))
    if membership.card_active:
        return membership
    if keyed_hash(idnumber.normalize(id_number)) != membership.person.id_number_hash:
        raise BusinessError("id_number_mismatch", gettext("身份证号码与登记信息不一致。"))
    membership.card_active = True
    membership.save(update_fields=["card_active"])
    audit_record(actor=actor, action="card_activate", obj=membership)
    return membership


def member_card(person) -> tuple[Membership | None, bool]:
    """The membership a person's card shows, and whether there is a card to show."""
    membership = selectors.membership_current(person)
    return membership, card_available(membership)
