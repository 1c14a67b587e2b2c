"""Claims against ID squatting (SPEC §9): the real person takes their ID number back from the account that holds
it, after staff of the union holding that person (the city when none) check the photo of the ID card.

Approval moves the person to a new account of the claimant (name from the card, the claimant's proven phone, no
password until the claimant sets one by a reset code or logs in by a login code); the account that held the
person is deactivated and kept without a person (its trail stays), signed out everywhere (sessions, API tokens,
verified tokens), and told by SMS at the phone it had. Both sides get the result.
"""

import logging

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from members import selectors as member_selectors
from members import services as member_services
from members.identity import identity_verification_record
from members.models import IdentityMethod, Person, Union, UnionLevel, User
from notifications import sms
from notifications.services import notify
from security.models import ClaimState, IdentityClaim, IdentityClaimStep, SmsCodePurpose
from security.sessions import account_sign_out_everywhere
from security.sms_codes import sms_code_check
from unionhub.audit import audit_record
from unionhub.lib import clock, idnumber, private_files, workdays
from unionhub.lib import phone as phones
from unionhub.lib.crypto import keyed_hash
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

log = logging.getLogger(__name__)

FOLDER = "id-cards"
MAX_BYTES = 5 * 1024 * 1024
ALLOWED = {"image/jpeg": "jpg", "image/png": "png"}
DUE_WORKING_DAYS = 3


def id_card_read(upload) -> tuple[bytes, str]:
    """The photo's bytes and content type: a sound JPG or PNG of at most 5 MB, judged by its bytes."""
    data = private_files.read_upload(upload, MAX_BYTES) if upload is not None else None
    if not data:
        raise BusinessError("id_card_invalid")
    mime = private_files.sniff(data)
    if mime not in ALLOWED:
        raise BusinessError("id_card_invalid")
    try:
        private_files.image_verify(data)
    except private_files.ImageRejected as exc:
        raise BusinessError("id_card_invalid") from exc
    return data, mime


def id_card_load(claim: IdentityClaim) -> bytes:
    return private_files.load(FOLDER, claim.id_card_file)


def id_card_filename(claim: IdentityClaim) -> str:
    return f"id-card-{claim.pk}.{ALLOWED.get(claim.id_card_content_type, 'bin')}"


def claim_union_for(person: Person) -> Union:
    """Who decides: the union of the person's current membership, else the city."""
    membership = member_selectors.membership_current(person)
    if membership is not None:
        return membership.union
    return Union.objects.filter(level=UnionLevel.CITY).order_by("pk").first()


def claim_scope_q(user: User) -> Q:
    """Claims a staff account may see and decide: those routed to a union in its subtree."""
    if user.is_superuser:
        return Q()
    if not (user.is_authenticated and user.is_union_staff and user.union_id):
        return Q(pk__in=[])
    return Q(union__path__startswith=user.union.path)


def _step(claim: IdentityClaim, *, transition: str, source: str, actor: User | None, comment: str) -> None:
    IdentityClaimStep.objects.create(
        claim=claim,
        transition=transition,
        source=source,
        target=claim.state,
        actor=actor if actor is not None and actor.is_authenticated else None,
        comment=comment[:500],
        at=clock.now(),
    )


def identity_claim_file(*, name: str, id_number: str, phone: str, sms_code: str, id_card) -> IdentityClaim:
    """File a claim. The shape of the input and the photo are checked before the code is used; the code (purpose
    `claim`) before anything about the ID number is told. Not inside a caller's transaction (guesses count)."""
    name = (name or "").strip()
    id_number = idnumber.validate(id_number)
    phone = phones.validate(phone)
    data, mime = id_card_read(id_card)
    sms_code_check(purpose=SmsCodePurpose.CLAIM, phone=phone, code=sms_code)
    person = member_selectors.person_get_by_id_number(id_number)
    if person is None or person.phone_hash == keyed_hash(phone):
        raise BusinessError("nothing_to_claim")  # not held, or held with the claimant's own phone
    union = claim_union_for(person)
    stored = private_files.store(FOLDER, data)
    try:
        with transaction.atomic():
            Person.objects.select_for_update().get(pk=person.pk)
            if IdentityClaim.objects.filter(person=person, state=ClaimState.SUBMITTED).exists():
                raise BusinessError("claim_open")
            claim = IdentityClaim(
                person=person,
                union=union,
                name=name or person.name,
                id_number_masked=person.id_number_masked,
                phone=phone,
                phone_hash=keyed_hash(phone),
                phone_masked=phones.mask(phone),
                id_card_file=stored,
                id_card_content_type=mime,
                due_at=workdays.add_workdays(clock.today(), DUE_WORKING_DAYS),
                holder=User.objects.filter(person=person).first(),
            )
            claim.save()
            _step(claim, transition="submit", source="", actor=None, comment=gettext("认领人提交"))
            audit_record(actor=None, action="identity_claim.filed", obj=claim, union=union.pk)
            for staff in User.objects.filter(union=union, is_active=True):
                notify(
                    recipient=staff,
                    template="notice",
                    subject=gettext("新的身份证号码认领申请"),
                    body=gettext(
                        "有一份身份证号码认领申请（%(id)s）待审核，请在管理后台“身份证号码认领”中处理。"
                    )
                    % {"id": claim.id_number_masked},
                    dedupe_key=f"claim:{claim.pk}:filed:{staff.pk}",
                    channels=("inbox",),
                )
    except BaseException:
        private_files.delete(FOLDER, stored)
        raise
    log.info("identity claim %s filed from %s", claim.pk, phones.mask(phone))
    return claim


def _locked(claim_id: int, actor: User) -> IdentityClaim:
    claim = (
        IdentityClaim.objects.select_for_update(of=("self",))
        .select_related("union", "person")
        .filter(claim_scope_q(actor), pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotInScope()
    if claim.state != ClaimState.SUBMITTED:
        raise InvalidTransition(claim.state, "decide")
    return claim


@transaction.atomic
def identity_claim_approve(*, claim_id: int, actor: User, comment: str = "") -> IdentityClaim:
    """The claimant becomes the person's account holder (see the module's docstring)."""
    claim = _locked(claim_id, actor)
    person = Person.objects.select_for_update().get(pk=claim.person_id)
    previous_phone = person.phone if User.objects.filter(person=person).exists() else ""
    released = member_services.person_account_release(person=person)
    member_services.person_identity_set(person=person, name=claim.name, phone=claim.phone)
    user, _token = member_services.member_account_create(person=person, password=None)
    identity_verification_record(user=user, method=IdentityMethod.SMS, note=f"claim #{claim.pk}")
    identity_verification_record(
        user=user, method=IdentityMethod.STAFF, actor=actor, note=f"claim #{claim.pk}"
    )
    comment = (comment or "").strip() or gettext("核对身份证无误，同意认领")
    claim.approve(by=actor, at=clock.now(), comment=comment)
    claim.claimant = user
    claim.previous_phone = previous_phone
    claim.save()
    _step(claim, transition="approve", source=ClaimState.SUBMITTED, actor=actor, comment=comment)
    ended = account_sign_out_everywhere(released)[0] if released is not None else 0
    audit_record(
        actor=actor,
        action="identity_claim.approved",
        obj=claim,
        claimant=user.pk,
        released=released.pk if released else None,
        sessions_ended=ended,
    )
    notify(
        recipient=user,
        template="claim_approved",
        subject=gettext("您的身份证号码认领申请已通过"),
        body=gettext(
            "您的身份证号码认领申请已通过审核，身份证号码 %(id)s 已绑定到本手机号码。请用短信验证码登录，"
            "或通过“忘记密码”设置登录密码。"
        )
        % {"id": claim.id_number_masked},
        dedupe_key=f"claim:{claim.pk}:approved",
    )
    if released is not None:
        notify(
            recipient=released,
            template="claim_account_released",
            subject=gettext("您账号绑定的身份证号码已被本人认领"),
            body=gettext("经工会核对身份证，身份证号码 %(id)s 已由本人认领，原账号已停用。")
            % {"id": claim.id_number_masked},
            dedupe_key=f"claim:{claim.pk}:released",
            channels=("inbox",),
        )
        if previous_phone:  # the released account has no person, so no phone the outbox could use
            transaction.on_commit(lambda: identity_claim_previous_sms_task.delay(claim.pk))
    return claim


@transaction.atomic
def identity_claim_reject(*, claim_id: int, actor: User, reason: str) -> IdentityClaim:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("reason_required", gettext("请填写驳回原因。"))
    claim = _locked(claim_id, actor)
    claim.reject(by=actor, at=clock.now(), reason=reason)
    claim.save()
    _step(claim, transition="reject", source=ClaimState.SUBMITTED, actor=actor, comment=reason)
    audit_record(actor=actor, action="identity_claim.rejected", obj=claim)
    transaction.on_commit(lambda: identity_claim_claimant_sms_task.delay(claim.pk))
    return claim


def identity_claim_sms(*, claim_id: int, to: str) -> None:
    """SMS about a claim to a phone no account's person holds: the rejected claimant (`claimant`) or the account
    that lost the person (`previous`)."""
    claim = IdentityClaim.objects.filter(pk=claim_id).first()
    if claim is None:
        return
    if to == "previous":
        phone, kind, name = claim.previous_phone, "claim_account_released", ""
        subject = gettext("您账号绑定的身份证号码%(id)s已被本人认领") % {"id": claim.id_number_masked}
    else:
        phone, kind, name = claim.phone, "claim_rejected", claim.name
        subject = gettext("您的身份证号码认领申请未通过：%(reason)s") % {"reason": claim.reason[:40]}
    if phone:
        sms.sms_send(phone=phone, kind=kind, params={"name": name or gettext("用户"), "subject": subject})


@shared_task(name="security.tasks.identity_claim_claimant_sms", autoretry_for=(Exception,), max_retries=4)
def identity_claim_claimant_sms_task(claim_id: int) -> None:
    identity_claim_sms(claim_id=claim_id, to="claimant")


@shared_task(name="security.tasks.identity_claim_previous_sms", autoretry_for=(Exception,), max_retries=4)
def identity_claim_previous_sms_task(claim_id: int) -> None:
    identity_claim_sms(claim_id=claim_id, to="previous")
