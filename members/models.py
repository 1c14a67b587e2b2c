import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from unionhub.lib import clock, creditcode, idnumber, phone
from unionhub.lib.crypto import EncryptedTextField, keyed_hash


class UnionLevel(models.TextChoices):
    CITY = "city", _("市总工会")
    COUNTY = "county", _("县区总工会")
    GRASSROOTS = "grassroots", _("基层工会")
    BRANCH = "branch", _("分工会")


class EmployerUnit(models.Model):
    """单位: an employer, with or without a union."""

    name = models.CharField(_("单位名称"), max_length=200, db_index=True)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[creditcode.validate],
    )
    nature = models.CharField(_("单位性质"), max_length=40, blank=True)
    address = models.CharField(_("单位地址"), max_length=200, blank=True)
    worker_count = models.PositiveIntegerField(_("职工人数"), null=True, blank=True)
    county = models.ForeignKey(
        "members.Union",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("所属县区总工会"),
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self):
        return self.name


class ElectionForm(models.TextChoices):
    DIRECT = "direct", _("直接选举")
    INDIRECT = "indirect", _("间接选举")


class Union(models.Model):
    class UnionType(models.TextChoices):
        SINGLE = "single", _("单建")
        JOINT = "joint", _("联合工会")
        FEDERATION = "federation", _("工会联合会")

    name = models.CharField(_("工会名称"), max_length=200)
    code = models.CharField(_("工会代码"), max_length=40, unique=True)
    level = models.CharField(_("层级"), max_length=12, choices=UnionLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级工会"),
    )
    # Materialised path "/1/5/12/": a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    accepts_members = models.BooleanField(_("直接接收会员"), default=False)
    is_reservoir = models.BooleanField(_("职工服务中心工会（蓄水池）"), default=False)
    union_type = models.CharField(
        _("工会类型"), max_length=12, choices=UnionType.choices, default=UnionType.SINGLE
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    region = models.CharField(_("所在地区"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    founded_on = models.DateField(_("建会时间"), null=True, blank=True)
    term = models.CharField(_("届次"), max_length=40, blank=True)
    leader_name = models.CharField(_("工会负责人"), max_length=50, blank=True)
    employer = models.ForeignKey(
        EmployerUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unions",
        verbose_name=_("所在单位"),
    )
    approved_on = models.DateField(_("批准成立时间"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("任期（年）"), default=5, db_default=5)
    session_no = models.PositiveSmallIntegerField(_("届数"), default=1, db_default=1)
    term_started_on = models.DateField(_("本届日期"), null=True, blank=True)
    election_form = models.CharField(
        _("选举形式"), max_length=12, choices=ElectionForm.choices, blank=True, default="", db_default=""
    )
    self_approval = models.BooleanField(
        _("自主审批"),
        default=True,
        db_default=True,
        help_text=_("不自主审批的工会，入会申请由上级工会审批。"),
    )
    doc_number_format = models.CharField(
        _("文号格式"),
        max_length=60,
        blank=True,
        default="",
        db_default="",
        help_text=_("例如 宜工发〔{year}〕{seq}号；{year} 为年份，{seq} 为当年序号。"),
    )
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("最近确认资料时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工会")
        verbose_name_plural = _("工会")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent"], condition=Q(is_reservoir=True), name="one_reservoir_per_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        prefix = (
            Union.objects.values_list("path", flat=True).get(pk=self.parent_id) if self.parent_id else "/"
        )
        new_path = f"{prefix}{self.pk}/"
        if new_path != self.path:
            old_path, self.path, self.depth = self.path, new_path, new_path.count("/") - 2
            Union.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if old_path:  # moved: carry the subtree along
                for child in (
                    Union.objects.filter(path__startswith=old_path).exclude(pk=self.pk).order_by("depth")
                ):
                    child.save(update_fields=[])

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_on is not None

    @property
    def term_ends_on(self) -> dt.date | None:
        """本届任期届满日: 本届日期 plus 任期 years (29 February falls on 28 February)."""
        if self.term_started_on is None:
            return None
        start = self.term_started_on
        try:
            return start.replace(year=start.year + self.term_years)
        except ValueError:
            return start.replace(year=start.year + self.term_years, day=28)

    def is_within(self, other: "Union") -> bool:
        return self.path.startswith(other.path)

    @property
    def county(self) -> "Union | None":
        """The county union above (or this one), found from the path."""
        if self.level == UnionLevel.COUNTY:
            return self
        ids = [int(p) for p in self.path.strip("/").split("/")]
        return Union.objects.filter(pk__in=ids, level=UnionLevel.COUNTY).first()


class CommitteeMember(models.Model):
    class Committee(models.TextChoices):
        UNION = "union", _("工会委员会")
        AUDIT = "audit", _("经费审查委员会")
        WOMEN = "women", _("女职工委员会")

    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="committee_members")
    committee = models.CharField(_("委员会"), max_length=8, choices=Committee.choices)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    position = models.CharField(_("职务"), max_length=50)
    term_start = models.DateField(_("任期开始"), null=True, blank=True)
    term_end = models.DateField(_("任期结束"), null=True, blank=True)
    session_no = models.PositiveSmallIntegerField(_("届数"), null=True, blank=True)

    class Meta:
        verbose_name = _("委员会成员")
        verbose_name_plural = _("委员会成员")

    def __str__(self):
        return f"{self.get_committee_display()} {self.name} {self.position}"


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class EmploymentType(models.TextChoices):
    STAFF = "staff", _("在编/合同")
    DISPATCHED = "dispatched", _("劳务派遣")
    FLEXIBLE = "flexible", _("灵活就业")
    MIGRANT = "migrant", _("农民工")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY = "secondary", _("中专/高中")
    JUNIOR = "junior", _("初中及以下")


class PoliticalStatus(models.TextChoices):
    CPC = "cpc", _("中共党员")
    CYL = "cyl", _("共青团员")
    DEMOCRATIC = "democratic", _("民主党派")
    MASSES = "masses", _("群众")


class HouseholdType(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class Person(models.Model):
    """A real-name person. ID number, phone and address are encrypted; lookups go through keyed hashes."""

    LONG_TERM = dt.date(2099, 12, 31)

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = EncryptedTextField(_("身份证号码"))
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    phone = EncryptedTextField(_("手机号码"), blank=True)
    phone_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=11, blank=True, editable=False)
    address = EncryptedTextField(_("住址"), blank=True)
    id_valid_from = models.DateField(_("证件有效期起"), null=True, blank=True)
    id_valid_to = models.DateField(
        _("证件有效期止"), null=True, blank=True, help_text=_("长期有效填 2099-12-31")
    )
    nationality = models.CharField(_("国籍"), max_length=40, default="中国")
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=12, choices=PoliticalStatus.choices, blank=True
    )
    household_type = models.CharField(_("户籍类型"), max_length=8, choices=HouseholdType.choices, blank=True)
    employer = models.ForeignKey(
        EmployerUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name=_("所属单位"),
    )
    unit_name = models.CharField(_("所属单位名称"), max_length=200, blank=True)
    hire_date = models.DateField(_("入职日期"), null=True, blank=True)
    employment_type = models.CharField(
        _("就业状况"), max_length=12, choices=EmploymentType.choices, blank=True
    )
    union_position = models.CharField(_("担任工会职务"), max_length=50, blank=True)
    wants_card = models.BooleanField(_("申领会员卡"), default=False)
    # The employer's staff number (工号), as the institution's SSO names the person (UNIONHUB_OIDC_PERSON_KEY).
    # Not a national identifier, so kept in clear like a member number; unique when set.
    staff_number = models.CharField(_("工号"), max_length=32, null=True, blank=True, unique=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        permissions = [("reveal_person", _("可查看完整身份证号码和手机号码"))]

    def __str__(self):
        return f"{self.name}（{self.id_number_masked}）"

    def set_id_number(self, value: str) -> None:
        value = idnumber.normalize(value)
        self.id_number = value
        self.id_number_hash = keyed_hash(value)
        self.id_number_masked = idnumber.mask(value)
        self.birth_date = idnumber.birth_date(value)
        self.gender = idnumber.gender(value)

    def set_phone(self, value: str) -> None:
        value = phone.normalize(value)
        self.phone = value
        self.phone_hash = keyed_hash(value) if value else None
        self.phone_masked = phone.mask(value) if value else ""

    @property
    def masked_name(self) -> str:
        if len(self.name) <= 1:
            return self.name
        if len(self.name) == 2:
            return self.name[0] + "*"
        return self.name[0] + "*" * (len(self.name) - 2) + self.name[-1]


class User(AbstractUser):
    """Members log in with phone or ID number (their person); staff with a username and belong to one union."""

    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    union = models.ForeignKey(
        Union,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("所属工会"),
    )
    is_union_admin = models.BooleanField(_("可管理下级工会账号"), default=False)
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"),
        default=False,
        editable=False,
        help_text=_("工会管理员重置密码后置位；账号修改密码前不能使用其他功能。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def is_union_staff(self) -> bool:
        return bool(self.is_active and self.is_staff and self.union_id)

    @property
    def role(self) -> str:
        if self.is_superuser:
            return "superuser"
        if not self.is_union_staff:
            return "member"
        return {"city": "city_admin", "county": "county_admin"}.get(self.union.level, "union_staff")


class DuesMode(models.TextChoices):
    SELF_PAY = "self_pay", _("自行缴费")
    PAYROLL = "payroll", _("工资代扣")
    UNIT_PAID = "unit_paid", _("单位统一缴纳")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    RETAINED = "retained", _("保留会籍")
    WITHDRAWN = "withdrawn", _("退会")
    EXPELLED = "expelled", _("开除会籍")


class RetainReason(models.TextChoices):
    RETIRED = "retired", _("退休")
    UNEMPLOYED = "unemployed", _("失业")
    MILITARY = "military", _("服兵役")
    OTHER = "other", _("其他")


class Membership(models.Model):
    """会籍: one open membership per person. State changes only through the transitions below (services save)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("所属工会")
    )
    status = FSMField(
        _("会籍状态"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.ACTIVE,
        protected=True,
    )
    dues_mode = models.CharField(
        _("缴费方式"), max_length=10, choices=DuesMode.choices, default=DuesMode.SELF_PAY
    )
    member_no = models.CharField(_("会员编号"), max_length=20, unique=True)
    joined_on = models.DateField(_("入会日期"))
    dues_start = models.DateField(_("会费起算月"))
    status_reason = models.CharField(_("状态原因"), max_length=200, blank=True)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    auto_withdrawn = models.BooleanField(default=False, editable=False)
    card_active = models.BooleanField(_("电子会员卡已开通"), default=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("会籍")
        verbose_name_plural = _("会籍")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["active", "retained"]),
                name="one_open_membership_per_person",
            ),
            models.CheckConstraint(condition=Q(dues_start__day=1), name="dues_start_is_first_of_month"),
        ]
        indexes = [
            models.Index(fields=["union", "status"], name="membership_union_status_idx"),
            models.Index(fields=["status", "dues_mode"], name="membership_status_mode_idx"),
        ]

    def __str__(self):
        return f"{self.member_no} {self.person.name}"

    @transition(field=status, source=MembershipStatus.ACTIVE, target=MembershipStatus.RETAINED)
    def retain(self, *, reason: str, on: dt.date):
        self.status_reason, self.status_changed_on = reason, on

    @transition(field=status, source=MembershipStatus.RETAINED, target=MembershipStatus.ACTIVE)
    def restore(self, *, on: dt.date):
        self.status_reason, self.status_changed_on = "", on

    @transition(
        field=status,
        source=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED],
        target=MembershipStatus.WITHDRAWN,
    )
    def withdraw(self, *, reason: str, on: dt.date):
        self.status_reason, self.status_changed_on, self.auto_withdrawn = reason, on, False

    @transition(field=status, source=MembershipStatus.ACTIVE, target=MembershipStatus.WITHDRAWN)
    def auto_withdraw(self, *, reason: str, on: dt.date):
        self.status_reason, self.status_changed_on, self.auto_withdrawn = reason, on, True

    @transition(
        field=status,
        source=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED],
        target=MembershipStatus.EXPELLED,
    )
    def expel(self, *, decision: str, on: dt.date):
        self.status_reason, self.status_changed_on = decision, on

    def was_auto_withdrawn(self) -> bool:
        return self.auto_withdrawn

    @transition(
        field=status,
        source=MembershipStatus.WITHDRAWN,
        target=MembershipStatus.ACTIVE,
        conditions=[was_auto_withdrawn],
    )
    def reinstate(self, *, reason: str, on: dt.date):
        self.status_reason, self.status_changed_on, self.auto_withdrawn = reason, on, False


class RetentionPeriod(models.Model):
    """A stretch of 保留会籍: dues are exempt from the month after retained_on to the month before restored_on."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="retentions")
    reason = models.CharField(_("原因"), max_length=12, choices=RetainReason.choices)
    retained_on = models.DateField(_("保留日期"))
    restored_on = models.DateField(_("恢复日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("保留会籍期间")
        verbose_name_plural = _("保留会籍期间")
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(restored_on__isnull=True), name="one_open_retention"
            ),
        ]

    def __str__(self):
        return f"{self.retained_on} – {self.restored_on or ''}"


class MembershipEvent(models.Model):
    """The history of a membership: every state change and every move between unions (痕迹管理)."""

    class Kind(models.TextChoices):
        JOIN = "join", _("入会")
        RETAIN = "retain", _("保留会籍")
        RESTORE = "restore", _("恢复会籍")
        WITHDRAW = "withdraw", _("退会")
        AUTO_WITHDRAW = "auto_withdraw", _("自动退会")
        EXPEL = "expel", _("开除会籍")
        REINSTATE = "reinstate", _("恢复（纠正自动退会）")
        TRANSFER = "transfer", _("转会")
        MOVE_OUT = "move_out", _("迁出")
        DUES_MODE = "dues_mode", _("变更缴费方式")

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    from_union = models.ForeignKey(Union, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_union = models.ForeignKey(Union, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("经办人")
    )
    on = models.DateField(_("业务日期"))
    at = models.DateTimeField(_("记录时间"), default=clock.now, editable=False)
    reason = models.CharField(_("原因/说明"), max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("会籍记录")
        verbose_name_plural = _("会籍记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["from_union", "kind"], name="mevent_from_union_idx")]

    def __str__(self):
        return f"{self.on} {self.get_kind_display()}"


class MemberNumberCounter(models.Model):
    """Per-year counter for member numbers (row-locked while a number is taken)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class ProfileChange(models.Model):
    """One change to a person's real-name record, by the member or by staff (the half-yearly review reads these).

    ID number and phone are recorded in masked form only; every value is encrypted at rest.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="profile_changes", verbose_name=_("人员")
    )
    field = models.CharField(_("修改项"), max_length=32)
    old_value = EncryptedTextField(_("原值"), blank=True)
    new_value = EncryptedTextField(_("新值"), blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("修改人")
    )
    by_staff = models.BooleanField(_("工作人员修改"), default=False)
    at = models.DateTimeField(_("修改时间"), default=clock.now, editable=False, db_index=True)

    class Meta:
        verbose_name = _("资料变更记录")
        verbose_name_plural = _("资料变更记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "-at"], name="profilechange_person_idx")]

    def __str__(self):
        return f"{self.person.name} {self.field_label}"

    @property
    def field_label(self) -> str:
        from django.core.exceptions import FieldDoesNotExist

        try:
            return str(Person._meta.get_field(self.field).verbose_name)
        except FieldDoesNotExist:  # a field that no longer exists keeps its stored name
            return self.field


class IdentityMethod(models.TextChoices):
    SMS = "sms", _("手机验证码")
    WECHAT = "wechat", _("微信")
    SSO = "sso", _("统一身份认证")
    STAFF = "staff", _("工作人员核验证件")


class IdentityVerification(models.Model):
    """How an account's identity was proven (SPEC §9): one row per method, kept with when and by whom.

    `sms`: the phone was proven by a code; `wechat`: a WeChat openid was bound; `sso`: the institution's login
    named the person; `staff`: union staff checked the ID card in person (a claim, a join approved after a check)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="identity_verifications", verbose_name=_("账号")
    )
    method = models.CharField(_("核验方式"), max_length=8, choices=IdentityMethod.choices)
    verified_at = models.DateTimeField(_("核验时间"), default=clock.now, editable=False)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("核验人")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("身份核验")
        verbose_name_plural = _("身份核验")
        ordering = ["verified_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "method"], name="identity_verification_once")]

    def __str__(self):
        return f"{self.user_id} {self.get_method_display()}"
