"""换届: reminders before a term ends, the renewal record, the parent's approval that starts the next term."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django_fsm import can_proceed, has_transition_perm

from casework import selectors as case_selectors
from casework.services import transition_record, union_staff_notify
from formation.models import TermRenewal
from formation.services.founding import committee_members_create, committees_clean
from formation.services.numbers import document_number_issue
from members import selectors as member_selectors
from members.models import CommitteeMember, Union, User
from unionhub.lib import clock
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

REMIND_DAYS = (90, 30)
DECISION_WORKING_DAYS = 15


def term_renewal_remind(*, today: dt.date) -> int:
    """90 and 30 days before a term ends, the union and its parent are told; each reminder once per term (the
    dedupe key names the union, its 届数 and the threshold). Returns how many reminders were due."""
    sent = 0
    for union in member_selectors.union_term_due(
        Union.objects.all(), today=today, within_days=max(REMIND_DAYS)
    ):
        days_left = (union.term_ends_on - today).days
        threshold = min(d for d in REMIND_DAYS if days_left <= d)
        subject = "工会换届提醒"
        body = (
            f"{union.name}第{union.session_no}届任期将于{union.term_ends_on:%Y-%m-%d}届满，请按期做好换届选举工作。"
            if days_left >= 0
            else f"{union.name}第{union.session_no}届任期已于{union.term_ends_on:%Y-%m-%d}届满，尚未换届，请尽快办理。"
        )
        key = f"term:{union.pk}:{union.session_no}:{threshold}"
        for recipient in (union, union.parent):
            if recipient is not None:
                union_staff_notify(
                    recipient,
                    template=f"term_due_{threshold}",
                    subject=subject,
                    body=body,
                    dedupe_key=f"{key}:{recipient.pk}",
                )
        sent += 1
    return sent


@transaction.atomic
def term_renewal_submit(
    *, union: Union, actor: User, elected_on: dt.date, election_form: str, committees: dict
) -> TermRenewal:
    """The union (or staff above it) records its election; the parent approves."""
    if not member_selectors.union_in_scope(actor, union):
        raise NotInScope()
    if union.parent_id is None or union.is_dissolved:
        raise BusinessError("invalid_union", gettext("该工会不能申报换届。"))
    if election_form not in ("direct", "indirect"):
        raise BusinessError("invalid_election_form", gettext("选举形式应为直接选举或间接选举。"))
    women = CommitteeMember.objects.filter(union=union, committee="women").exists()
    renewal = TermRenewal(
        union=union,
        session_no=union.session_no + 1,
        election_form=election_form,
        elected_on=elected_on,
        committees=committees_clean(committees, women_required=women),
        due_at=case_selectors.due_date(clock.today(), DECISION_WORKING_DAYS),
        requested_by=actor,
    )
    try:
        with transaction.atomic():
            renewal.save()
    except IntegrityError as exc:
        raise BusinessError("renewal_exists", gettext("该工会已有待审批的换届。")) from exc
    transition_record(
        obj=renewal, transition="submit", source="", actor=actor, comment=f"申报第{renewal.session_no}届换届"
    )
    union_staff_notify(
        union.parent,
        template="term_renewal_submitted",
        subject="换届待审批",
        body=f"{union.name}申报第{renewal.session_no}届换届选举结果，请于{renewal.due_at:%Y-%m-%d}前审批。",
        dedupe_key=f"term-renewal:{renewal.pk}:submitted",
    )
    return renewal


def _locked(renewal_id: int, actor: User, name: str) -> TermRenewal:
    renewal = (
        TermRenewal.objects.select_for_update(of=("self",))
        .select_related("union__parent")
        .filter(pk=renewal_id)
        .first()
    )
    if renewal is None or not member_selectors.union_in_scope(actor, renewal.union):
        raise NotInScope()
    method = getattr(renewal, name)
    if not can_proceed(method) or not has_transition_perm(method, actor):
        raise InvalidTransition(renewal.state, name)
    return renewal


@transaction.atomic
def term_renewal_approve(*, renewal_id: int, actor: User, comment: str = "") -> TermRenewal:
    """The next term starts: 届数 + 1, 本届日期 the election date; the last term's committee rows are closed (never
    overwritten) and the new term's rows added."""
    renewal = _locked(renewal_id, actor, "approve")
    union = Union.objects.select_for_update().get(pk=renewal.union_id)
    number = document_number_issue(union=union.parent)
    source = renewal.state
    renewal.approve(by=actor, at=clock.now(), number=number)
    renewal.save()
    CommitteeMember.objects.filter(union=union, term_end__isnull=True).update(term_end=renewal.elected_on)
    CommitteeMember.objects.filter(union=union, session_no__isnull=True).update(session_no=union.session_no)
    committee_members_create(
        union=union,
        committees=renewal.committees,
        session_no=renewal.session_no,
        term_start=renewal.elected_on,
    )
    Union.objects.filter(pk=union.pk).update(
        session_no=renewal.session_no,
        term=f"第{renewal.session_no}届",
        term_started_on=renewal.elected_on,
        election_form=renewal.election_form,
        leader_name=next((m["name"] for m in renewal.committees.get("union", [])), union.leader_name),
    )
    transition_record(
        obj=renewal,
        transition="approve",
        source=source,
        actor=actor,
        comment=comment or f"同意换届（{number}）",
    )
    union_staff_notify(
        union,
        template="term_renewal_approved",
        subject="换届已批准",
        body=f"{union.name}第{renewal.session_no}届换届已批准（{number}）。",
        dedupe_key=f"term-renewal:{renewal.pk}:approved",
    )
    return renewal


@transaction.atomic
def term_renewal_reject(*, renewal_id: int, actor: User, reason: str) -> TermRenewal:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("reason_required", gettext("请填写驳回原因。"))
    renewal = _locked(renewal_id, actor, "reject")
    source = renewal.state
    renewal.reject(by=actor, at=clock.now(), reason=reason)
    renewal.save()
    transition_record(obj=renewal, transition="reject", source=source, actor=actor, comment=reason)
    return renewal
