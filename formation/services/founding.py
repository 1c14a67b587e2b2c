"""建会: the preparatory group's steps, each with its trace, working-day due date and document; the parent union's
approval makes the union (real-name fields, employer unit, three committees of the first term). From a
union-formation case, the approval is the case's establish step; the members' bulk transfer follows."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django_fsm import can_proceed, has_transition_perm

from casework import selectors as case_selectors
from casework.services import transition_record, union_staff_notify
from formation import scans
from formation.models import (
    DOCUMENT_FROM_STATE_KEYS,
    Founding,
    FoundingDocument,
    FoundingDocumentKind,
    UnionFormationCase,
    UnionFormationState,
)
from formation.services.cases import union_formation_establish
from formation.services.numbers import document_number_issue
from members import selectors as member_selectors
from members import services as member_services
from members.models import CommitteeMember, EmployerUnit, Union, UnionLevel, User
from unionhub.lib import clock
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

COMMITTEES = ("union", "audit", "women")


def committees_clean(value, *, women_required: bool) -> dict:
    """Committee lists as stored: {union|audit|women: [{name, gender, position}]}; the union and funds audit
    committees are required, the women workers' committee where there are women members."""
    if not isinstance(value, dict):
        raise BusinessError("invalid_committees", gettext("委员会名单格式不正确。"))
    cleaned = {}
    for key in COMMITTEES:
        rows = value.get(key) or []
        if not isinstance(rows, list):
            raise BusinessError("invalid_committees", gettext("委员会名单格式不正确。"))
        out = []
        for row in rows:
            if not isinstance(row, dict):
                raise BusinessError("invalid_committees", gettext("委员会名单格式不正确。"))
            name = str(row.get("name", "")).strip()[:50]
            gender = str(row.get("gender", "")).strip().upper()
            position = str(row.get("position", "")).strip()[:50] or gettext("委员")
            if not name or gender not in ("M", "F"):
                raise BusinessError("invalid_committees", gettext("每位委员须填写姓名和性别（M/F）。"))
            out.append({"name": name, "gender": gender, "position": position})
        cleaned[key] = out
    if not cleaned["union"] or not cleaned["audit"]:
        raise BusinessError("invalid_committees", gettext("须有工会委员会和经费审查委员会的人选。"))
    if women_required and not cleaned["women"]:
        raise BusinessError("invalid_committees", gettext("有女会员的，须有女职工委员会的人选。"))
    return cleaned


def committee_members_create(*, union: Union, committees: dict, session_no: int, term_start) -> int:
    """The committees of one term, as rows of their own (earlier terms' rows stay)."""
    rows = [
        CommitteeMember(
            union=union,
            committee=key,
            name=row["name"],
            gender=row["gender"],
            position=row["position"],
            session_no=session_no,
            term_start=term_start,
        )
        for key in COMMITTEES
        for row in committees.get(key, [])
    ]
    CommitteeMember.objects.bulk_create(rows)
    return len(rows)


def _due():
    return case_selectors.due_date(clock.today(), Founding.STEP_WORKING_DAYS)


def _parent_for_founding(parent: Union) -> str:
    levels = {
        UnionLevel.CITY: UnionLevel.GRASSROOTS,
        UnionLevel.COUNTY: UnionLevel.GRASSROOTS,
        UnionLevel.GRASSROOTS: UnionLevel.BRANCH,
    }
    if parent.level not in levels or parent.is_reservoir or parent.is_dissolved:
        raise BusinessError("invalid_parent", gettext("上级工会应为县区总工会或基层工会。"))
    return levels[parent.level]


@transaction.atomic
def founding_open(
    *,
    actor: User,
    parent: Union,
    employer_name: str,
    union_name: str,
    contact_name: str,
    contact_phone: str,
    group_members: list | None = None,
    formation_case: UnionFormationCase | None = None,
    comment: str = "",
) -> Founding:
    """成立筹备组: county (or parent union) staff record the group; its letter can be printed at once."""
    if not member_selectors.union_in_scope(actor, parent):
        raise NotInScope()
    _parent_for_founding(parent)
    employer_name = employer_name.strip()
    if Union.objects.filter(
        employer__name=employer_name, is_reservoir=False, dissolved_on__isnull=True
    ).exists():
        raise BusinessError("employer_has_union", gettext("该单位已建立工会。"))
    members = [
        {"name": str(m.get("name", "")).strip()[:50], "position": str(m.get("position", "")).strip()[:50]}
        for m in (group_members or [])
        if isinstance(m, dict) and str(m.get("name", "")).strip()
    ]
    founding = Founding(
        employer_name=employer_name,
        employer=EmployerUnit.objects.filter(name=employer_name).first(),
        parent=parent,
        formation_case=formation_case,
        union_name=union_name.strip() or f"{employer_name}工会委员会",
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        group_members=members,
        opened_on=clock.today(),
        due_at=_due(),
        updated_by=actor,
    )
    try:
        with transaction.atomic():
            founding.save()
    except IntegrityError as exc:
        raise BusinessError("founding_exists", gettext("该单位已有正在办理的建会。")) from exc
    transition_record(
        obj=founding, transition="open", source="", actor=actor, comment=comment or "成立筹备组"
    )
    return founding


@transaction.atomic
def founding_open_from_case(
    *,
    case_id: int,
    actor: User,
    contact_name: str,
    contact_phone: str,
    group_members: list | None = None,
    union_name: str = "",
    comment: str = "",
) -> Founding:
    """A union-formation case's employer forms its preparatory group under the case's county."""
    case = UnionFormationCase.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None or not member_selectors.union_in_scope(actor, case.county):
        raise NotInScope()
    if case.state not in (UnionFormationState.OPEN, UnionFormationState.NOTICE_ISSUED) or hasattr(
        case, "founding"
    ):
        raise InvalidTransition(case.state, "open_founding")
    return founding_open(
        actor=actor,
        parent=case.county,
        employer_name=case.employer_name,
        union_name=union_name,
        contact_name=contact_name,
        contact_phone=contact_phone,
        group_members=group_members,
        formation_case=case,
        comment=comment or f"督促建会案件 #{case.pk}：成立筹备组",
    )


def _locked(founding_id: int, actor: User) -> Founding:
    founding = (
        Founding.objects.select_for_update(of=("self",))
        .select_related("parent")
        .filter(pk=founding_id)
        .first()
    )
    if founding is None or not member_selectors.union_in_scope(actor, founding.parent):
        raise NotInScope()
    return founding


def _step(founding: Founding, name: str, actor: User, comment: str, **kwargs) -> None:
    method = getattr(founding, name)
    if not can_proceed(method) or not has_transition_perm(method, actor):
        raise InvalidTransition(founding.state, name)
    source = founding.state
    method(**kwargs)
    founding.updated_by = actor
    founding.save()
    transition_record(obj=founding, transition=name, source=source, actor=actor, comment=comment)


@transaction.atomic
def founding_apply(
    *, founding_id: int, actor: User, member_count: int, has_women_members: bool = False, comment: str = ""
) -> Founding:
    """申请建会 (《关于建立工会组织的请示》): the members recruited so far."""
    founding = _locked(founding_id, actor)
    if member_count < 1:
        raise BusinessError("invalid_member_count", gettext("请填写已发展的会员人数。"))
    _step(
        founding,
        "apply",
        actor,
        comment or f"申请建会，已发展会员{member_count}人",
        member_count=member_count,
        has_women_members=has_women_members,
        due_at=_due(),
    )
    return founding


@transaction.atomic
def founding_request_congress(
    *, founding_id: int, actor: User, congress_on, election_form: str, candidates: dict, comment: str = ""
) -> Founding:
    """请示召开第一次会员（代表）大会: its date and the candidates of the committees."""
    founding = _locked(founding_id, actor)
    candidates = committees_clean(candidates, women_required=founding.has_women_members)
    if election_form not in ("direct", "indirect"):
        raise BusinessError("invalid_election_form", gettext("选举形式应为直接选举或间接选举。"))
    _step(
        founding,
        "request_congress",
        actor,
        comment or f"请示于{congress_on:%Y-%m-%d}召开第一次会员（代表）大会",
        congress_on=congress_on,
        election_form=election_form,
        candidates=candidates,
        due_at=_due(),
    )
    return founding


@transaction.atomic
def founding_report_election(*, founding_id: int, actor: User, elected: dict, comment: str = "") -> Founding:
    """报告选举结果: the elected committees."""
    founding = _locked(founding_id, actor)
    elected = committees_clean(elected, women_required=founding.has_women_members)
    _step(
        founding,
        "report_election",
        actor,
        comment or "报告第一次会员（代表）大会选举结果",
        elected=elected,
        due_at=_due(),
    )
    return founding


@transaction.atomic
def founding_scan_upload(*, founding_id: int, actor: User, kind: str, scan) -> FoundingDocument:
    """The signed scan of one document, once the founding has reached that document's step (a new scan replaces
    the old one)."""
    founding = _locked(founding_id, actor)
    if kind not in FoundingDocumentKind.values:
        raise BusinessError("invalid_document", gettext("文件类型不正确。"))
    if not founding.is_open or not founding.reached(DOCUMENT_FROM_STATE_KEYS[kind]):
        raise InvalidTransition(founding.state, "upload_scan")
    data, mime = scans.scan_read(scan)
    name = scans.scan_store(data)
    old = FoundingDocument.objects.filter(founding=founding, kind=kind).first()
    if old is not None:
        transaction.on_commit(lambda old_name=old.scan_file: scans.scan_delete(old_name))
        old.delete()
    document = FoundingDocument.objects.create(
        founding=founding, kind=kind, scan_file=name, scan_content_type=mime, uploaded_by=actor
    )
    transition_record(
        obj=founding,
        transition="upload_scan",
        source=founding.state,
        actor=actor,
        comment=f"上传《{document.get_kind_display()}》签章扫描件",
    )
    return document


@transaction.atomic
def founding_approve(*, founding_id: int, actor: User, code: str = "", comment: str = "") -> Founding:
    """上级工会批准成立: the union with its employer unit and first-term committees, and the approval's number."""
    founding = _locked(founding_id, actor)
    if not can_proceed(founding.approve) or not has_transition_perm(founding.approve, actor):
        raise InvalidTransition(founding.state, "approve")
    missing = set(FoundingDocumentKind.values) - set(founding.documents.values_list("kind", flat=True))
    if missing:
        raise BusinessError("scans_missing", gettext("四份建会文件的签章扫描件尚未上传齐全。"))
    parent = founding.parent
    today = clock.today()
    employer = founding.employer or EmployerUnit.objects.create(
        name=founding.employer_name, county=parent.county
    )
    union = member_services.union_create(
        actor=actor,
        name=founding.union_name,
        code=code.strip() or f"{parent.code}-{founding.pk}",
        level=_parent_for_founding(parent),
        parent=parent,
        accepts_members=True,
        employer=employer,
        founded_on=today,
        approved_on=today,
        session_no=1,
        term="第一届",
        term_started_on=founding.congress_on or today,
        election_form=founding.election_form,
        leader_name=next((m["name"] for m in founding.elected.get("union", [])), ""),
        phone=founding.contact_phone,
    )
    committee_members_create(
        union=union, committees=founding.elected, session_no=1, term_start=founding.congress_on or today
    )
    number = document_number_issue(union=parent, on=today)
    founding.employer = employer
    _step(
        founding,
        "approve",
        actor,
        comment or f"批准成立{union.name}（{number}）",
        union=union,
        on=today,
        number=number,
    )
    if founding.formation_case_id:
        union_formation_establish(
            case_id=founding.formation_case_id, actor=actor, union=union, comment=f"建会批复 {number}"
        )
    union_staff_notify(
        parent,
        template="founding_approved",
        subject="新工会已批准成立",
        body=f"{union.name}已批准成立（{number}）。",
        dedupe_key=f"founding:{founding.pk}:approved",
    )
    return founding


@transaction.atomic
def founding_abandon(*, founding_id: int, actor: User, reason: str) -> Founding:
    founding = _locked(founding_id, actor)
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("reason_required", gettext("请填写终止原因。"))
    _step(founding, "abandon", actor, reason, reason=reason)
    return founding


def founding_documents_of(founding: Founding) -> list[str]:
    """The document kinds that can be printed now."""
    return [kind for kind, state in DOCUMENT_FROM_STATE_KEYS.items() if founding.reached(state)]
