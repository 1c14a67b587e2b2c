"""The workflow join and transfer applications share (入会申请, 转会申请), its trace and the working-day calendar.

`ApplicationBase` holds the state machine: direct route (the applicant chose a union that accepts members → its
staff decide) and dispatch route (city admin dispatches to a county → county admin verifies to a union → that
union decides). Transitions only set the row's own fields; services save, log, notify and make documents.
`TransitionRecord` is the trace (痕迹管理) of every step of an application or a union-formation case.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from members.models import UnionLevel
from members.selectors import deciding_union
from unionhub.lib import clock


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    DISPATCHED = "dispatched", _("已分派")
    VERIFIED = "verified", _("已校核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤销")


OPEN_STATES = [ApplicationState.SUBMITTED, ApplicationState.DISPATCHED, ApplicationState.VERIFIED]


def _staff_union(user):
    if user is None or not user.is_authenticated or not user.is_union_staff:
        return None
    return user.union


def may_dispatch(instance, user) -> bool:
    """City admins dispatch applications that name no union."""
    if user.is_superuser:
        return True
    union = _staff_union(user)
    return union is not None and union.level == UnionLevel.CITY


def may_verify(instance, user) -> bool:
    """The admin of the county the application was dispatched to."""
    if user.is_superuser:
        return True
    union = _staff_union(user)
    return bool(
        union is not None
        and union.level == UnionLevel.COUNTY
        and instance.county_id
        and instance.county.path.startswith(union.path)
    )


def may_decide(instance, user) -> bool:
    """Staff whose scope holds the deciding union: the target union with 自主审批, else its parent."""
    if user.is_superuser:
        return True
    union = _staff_union(user)
    if union is None or not instance.union_id:
        return False
    return deciding_union(instance.union).path.startswith(union.path)


def may_reject(instance, user) -> bool:
    """Whoever holds the current step may refuse (city admin before dispatch, county admin before verification)."""
    if instance.state == ApplicationState.DISPATCHED:
        return may_verify(instance, user)
    if instance.state == ApplicationState.SUBMITTED and not instance.union_id:
        return may_dispatch(instance, user)
    return may_decide(instance, user)


def is_applicant(instance, user) -> bool:
    return bool(user.is_authenticated and user.person_id and user.person_id == instance.applicant_id)


def has_no_union(instance) -> bool:
    return instance.union_id is None


def has_union(instance) -> bool:
    return instance.union_id is not None


class ApplicationBase(models.Model):
    """Fields and transitions shared by join and transfer applications."""

    applicant = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="%(class)s_set", verbose_name=_("申请人")
    )
    union = models.ForeignKey(
        "members.Union",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)s_set",
        verbose_name=_("申请加入的工会"),
    )
    county = models.ForeignKey(
        "members.Union",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)s_dispatched",
        verbose_name=_("分派到的县区总工会"),
    )
    unit_name = models.CharField(_("所在单位（申请人填写）"), max_length=200)
    employer_name = models.CharField(_("校核后的单位名称"), max_length=200, blank=True)
    state = FSMField(
        _("状态"),
        max_length=12,
        choices=ApplicationState.choices,
        default=ApplicationState.SUBMITTED,
        protected=True,
    )
    due_at = models.DateField(_("办结期限"))
    reason = models.CharField(_("驳回原因"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Staff whose scope holds any of these unions see the application.
    scope_union_fields = ("union", "county")
    # Message templates and dedupe keys start with kind_key; texts name the application kind_label.
    kind_key = "application"
    kind_label = "申请"

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(state__in=OPEN_STATES),
                name="%(app_label)s_%(class)s_one_open_per_person",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def public_state(self) -> str:
        """What the applicant sees: every undecided step is simply pending (待审核)."""
        return "pending" if self.is_open else self.state

    @property
    def public_state_display(self) -> str:
        return str(_("待审核")) if self.is_open else self.get_state_display()

    @property
    def route(self) -> str:
        return "dispatch" if self.county_id or not self.union_id else "direct"

    @transition(
        field=state,
        source=ApplicationState.SUBMITTED,
        target=ApplicationState.DISPATCHED,
        conditions=[has_no_union],
        permission=may_dispatch,
    )
    def dispatch(self, *, county):
        self.county = county

    @transition(
        field=state,
        source=ApplicationState.DISPATCHED,
        target=ApplicationState.VERIFIED,
        permission=may_verify,
    )
    def verify(self, *, union, employer_name: str):
        self.union = union
        self.employer_name = employer_name

    @transition(
        field=state,
        source=[ApplicationState.SUBMITTED, ApplicationState.VERIFIED],
        target=ApplicationState.APPROVED,
        conditions=[has_union],
        permission=may_decide,
    )
    def approve(self, *, by, at):
        self.decided_by, self.decided_at = by, at

    @transition(field=state, source=OPEN_STATES, target=ApplicationState.REJECTED, permission=may_reject)
    def reject(self, *, by, at, reason: str):
        self.decided_by, self.decided_at, self.reason = by, at, reason

    @transition(field=state, source=OPEN_STATES, target=ApplicationState.WITHDRAWN, permission=is_applicant)
    def withdraw(self, *, at):
        self.decided_at = at


class TransitionRecord(models.Model):
    """痕迹管理: who moved an application from which state to which, when, with what comment."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    application = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("操作"), max_length=20)
    source = models.CharField(_("原状态"), max_length=16, blank=True)
    target = models.CharField(_("新状态"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    comment = models.CharField(_("意见/说明"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        db_table = "applications_transitionrecord"  # kept from the applications app it started in
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="transition_object_idx")]

    def __str__(self):
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.get_source_display()} → {self.get_target_display()}"

    def _state_label(self, value: str) -> str:
        if not value:
            return "-"
        labels = dict(self.content_type.model_class()._meta.get_field("state").flatchoices)
        return str(labels.get(value, value))

    @admin.display(description=_("原状态"))
    def get_source_display(self) -> str:
        return self._state_label(self.source)

    @admin.display(description=_("新状态"))
    def get_target_display(self) -> str:
        return self._state_label(self.target)


class WorkdayOverride(models.Model):
    """A holiday or adjusted working day recorded by city admins; it takes precedence over the calendar package."""

    day = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        db_table = "applications_workdayoverride"  # kept from the applications app it started in
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} {'工作日' if self.is_workday else '休息日'}"
