"""建会: an employer's union founded through the system, step by step after the 《工会组建通知书》 (Yichang seed,
督促建会 2(2)): 成立筹备组 → 申请建会 → 召开第一次会员（代表）大会 → 选举结果 → the parent union approves."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from unionhub.lib import clock


class FoundingState(models.TextChoices):
    GROUP_FORMED = "group_formed", _("筹备组已成立")
    APPLIED = "applied", _("已申请建会")
    CONGRESS_REQUESTED = "congress_called", _("已请示召开大会")
    ELECTED = "elected", _("已报告选举结果")
    APPROVED = "approved", _("已批准成立")
    ABANDONED = "abandoned", _("已终止")


FOUNDING_OPEN_STATES = [
    FoundingState.GROUP_FORMED,
    FoundingState.APPLIED,
    FoundingState.CONGRESS_REQUESTED,
    FoundingState.ELECTED,
]


class FoundingDocumentKind(models.TextChoices):
    """The four documents the preparatory group hands the parent union, in order; each belongs to a state."""

    GROUP_LETTER = "group_letter", _("关于建立工会筹备组的函")
    APPLICATION = "application", _("关于建立工会组织的请示")
    CONGRESS_REQUEST = "congress_request", _("关于召开第一次会员代表大会的请示")
    ELECTION_REPORT = "election_report", _("关于第一次会员代表大会选举结果的报告")


# The state from which each document can be printed (and its signed scan uploaded).
DOCUMENT_FROM_STATE = {
    FoundingDocumentKind.GROUP_LETTER: FoundingState.GROUP_FORMED,
    FoundingDocumentKind.APPLICATION: FoundingState.APPLIED,
    FoundingDocumentKind.CONGRESS_REQUEST: FoundingState.CONGRESS_REQUESTED,
    FoundingDocumentKind.ELECTION_REPORT: FoundingState.ELECTED,
}
DOCUMENT_FROM_STATE_KEYS = {str(kind.value): str(state.value) for kind, state in DOCUMENT_FROM_STATE.items()}
STATE_ORDER = [str(s.value) for s in (*FOUNDING_OPEN_STATES, FoundingState.APPROVED)]


def may_act_for_parent(instance, user) -> bool:
    """The parent union's staff (or staff above it) guide the founding and decide it."""
    if user.is_superuser:
        return True
    union = getattr(user, "union", None) if getattr(user, "is_union_staff", False) else None
    return bool(union is not None and instance.parent.path.startswith(union.path))


class Founding(models.Model):
    """筹备组 and its way to a union. Committees are lists of {name, gender, position} per committee key
    (`union`, `audit`, `women`): `candidates` for the congress, `elected` from its result."""

    STEP_WORKING_DAYS = 30

    employer_name = models.CharField(_("单位名称"), max_length=200)
    employer = models.ForeignKey(
        "members.EmployerUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("单位"),
    )
    parent = models.ForeignKey(
        "members.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("上级工会（审批）")
    )
    formation_case = models.OneToOneField(
        "formation.UnionFormationCase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="founding",
        verbose_name=_("督促建会案件"),
    )
    union_name = models.CharField(_("拟成立工会名称"), max_length=200)
    contact_name = models.CharField(_("筹备组联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=40)
    group_members = models.JSONField(_("筹备组成员"), default=list, blank=True)
    member_count = models.PositiveIntegerField(_("已发展会员人数"), default=0)
    has_women_members = models.BooleanField(_("有女会员"), default=False)
    congress_on = models.DateField(_("第一次会员（代表）大会日期"), null=True, blank=True)
    election_form = models.CharField(_("选举形式"), max_length=12, blank=True)
    candidates = models.JSONField(_("候选人"), default=dict, blank=True)
    elected = models.JSONField(_("当选人"), default=dict, blank=True)
    state = FSMField(
        _("状态"),
        max_length=20,
        choices=FoundingState.choices,
        default=FoundingState.GROUP_FORMED,
        protected=True,
    )
    opened_on = models.DateField(_("筹备组成立日期"))
    due_at = models.DateField(_("本步办理期限"))
    approved_on = models.DateField(_("批准成立时间"), null=True, blank=True)
    approval_no = models.CharField(_("批复文号"), max_length=60, blank=True)
    union = models.OneToOneField(
        "members.Union",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="founding",
        verbose_name=_("成立的工会"),
    )
    reason = models.CharField(_("终止原因"), max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("立案时间"), default=clock.now, editable=False)

    scope_union_fields = ("parent",)

    class Meta:
        verbose_name = _("建会")
        verbose_name_plural = _("建会")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "employer_name"],
                condition=Q(state__in=FOUNDING_OPEN_STATES),
                name="one_open_founding_per_employer",
            ),
        ]

    def __str__(self):
        return f"{self.union_name}（{self.get_state_display()}）"

    @property
    def is_open(self) -> bool:
        return self.state in FOUNDING_OPEN_STATES

    def reached(self, state: str) -> bool:
        return self.state in STATE_ORDER and STATE_ORDER.index(self.state) >= STATE_ORDER.index(state)

    @transition(
        field=state,
        source=FoundingState.GROUP_FORMED,
        target=FoundingState.APPLIED,
        permission=may_act_for_parent,
    )
    def apply(self, *, member_count: int, has_women_members: bool, due_at):
        self.member_count, self.has_women_members, self.due_at = member_count, has_women_members, due_at

    @transition(
        field=state,
        source=FoundingState.APPLIED,
        target=FoundingState.CONGRESS_REQUESTED,
        permission=may_act_for_parent,
    )
    def request_congress(self, *, congress_on, election_form: str, candidates: dict, due_at):
        self.congress_on, self.election_form, self.candidates = congress_on, election_form, candidates
        self.due_at = due_at

    @transition(
        field=state,
        source=FoundingState.CONGRESS_REQUESTED,
        target=FoundingState.ELECTED,
        permission=may_act_for_parent,
    )
    def report_election(self, *, elected: dict, due_at):
        self.elected, self.due_at = elected, due_at

    @transition(
        field=state,
        source=FoundingState.ELECTED,
        target=FoundingState.APPROVED,
        permission=may_act_for_parent,
    )
    def approve(self, *, union, on, number: str):
        self.union, self.approved_on, self.approval_no = union, on, number

    @transition(
        field=state,
        source=FOUNDING_OPEN_STATES,
        target=FoundingState.ABANDONED,
        permission=may_act_for_parent,
    )
    def abandon(self, *, reason: str):
        self.reason = reason


class FoundingDocument(models.Model):
    """The signed scan of one of the four documents (encrypted, outside the web root, like proofs)."""

    founding = models.ForeignKey(Founding, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("文件"), max_length=20, choices=FoundingDocumentKind.choices)
    scan_file = models.CharField(max_length=64, editable=False)
    scan_content_type = models.CharField(max_length=40, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=clock.now)

    class Meta:
        verbose_name = _("签章扫描件")
        verbose_name_plural = _("签章扫描件")
        constraints = [
            models.UniqueConstraint(fields=["founding", "kind"], name="one_scan_per_founding_document")
        ]

    def __str__(self):
        return self.get_kind_display()
