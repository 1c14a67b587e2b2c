from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members import permissions, selectors, services
from members import roles as staff_roles
from members.identity import person_identity_label
from members.models import (
    CommitteeMember,
    EmployerUnit,
    Membership,
    MembershipEvent,
    Person,
    RetainReason,
    RetentionPeriod,
    Union,
    User,
)
from members.profile import profile_changes_record, profile_snapshot
from members.profile_admin import ProfileChangeInline
from members.scope import ScopedAdminMixin, ScopedReadOnlyInline, admin_step
from unionhub.audit import audit_record
from unionhub.lib import clock, creditcode, idnumber, phone
from unionhub.lib.errors import BusinessError, NotInScope

admin.site.site_header = _("UnionHub 工会会员管理")
admin.site.site_title = _("UnionHub 管理后台")
admin.site.index_title = _("工作台")


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0
    fields = ["committee", "name", "gender", "position", "session_no", "term_start", "term_end"]
    ordering = ["-session_no", "committee", "pk"]


class TermDueFilter(admin.SimpleListFilter):
    """换届: unions whose term ends within 90 days, or has ended without a renewal."""

    title = _("换届")
    parameter_name = "term"

    def lookups(self, request, model_admin):
        return [("due", _("90天内届满")), ("overdue", _("已超期未换届"))]

    def queryset(self, request, queryset):
        if self.value() in ("due", "overdue"):
            ids = selectors.union_term_due_ids(
                queryset, today=clock.today(), overdue=self.value() == "overdue"
            )
            return queryset.filter(pk__in=ids)
        return queryset


LIFECYCLE_FIELDSET = (
    _("建会与换届"),
    {
        "fields": [
            "approved_on",
            "term_years",
            "session_no",
            "term_started_on",
            "election_form",
            "self_approval",
            "doc_number_format",
            "dissolved_on",
        ]
    },
)


class UnionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    union_field = ""
    list_display = ["indented_name", "code", "level", "accepts_members", "is_reservoir", "member_count"]
    list_filter = ["level", "accepts_members", "is_reservoir", "self_approval", TermDueFilter]
    search_fields = ["name", "code"]
    inlines = [CommitteeMemberInline]
    readonly_fields = ["dissolved_on"]
    list_per_page = 100
    fieldsets = [
        (
            None,
            {"fields": ["name", "code", "level", "parent", "accepts_members", "is_reservoir", "union_type"]},
        ),
        (_("联系方式"), {"fields": ["phone", "region", "address", "leader_name"]}),
        (_("组织信息"), {"fields": ["founded_on", "term", "employer", "reviewed_at"]}),
        LIFECYCLE_FIELDSET,
    ]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if not request.user.is_superuser:
            qs = qs.filter(pk__in=selectors.union_scope(request.user).values("pk"))
        return qs.annotate(active_members=selectors.subtree_member_count_subquery())

    @admin.display(description=_("工会名称"), ordering="path")
    def indented_name(self, obj):
        return format_html("{}{}", "　" * obj.depth, obj.name)

    @admin.display(description=_("会员人数（不含保留会籍）"), ordering="active_members")
    def member_count(self, obj):
        return obj.active_members


@admin.register(EmployerUnit)
class EmployerUnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "credit_code", "nature", "worker_count"]
    search_fields = ["name", "credit_code"]
    ordering = ["name", "pk"]

    def has_module_permission(self, request):
        return request.user.is_superuser or getattr(request.user, "is_union_staff", False)

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request).filter(
            pk__in=selectors.employer_scope(request.user).values("pk")
        )


class PersonAdminForm(forms.ModelForm):
    id_number_input = forms.CharField(label=_("身份证号码"), required=False, help_text=_("留空则不修改。"))
    phone_input = forms.CharField(label=_("手机号码"), required=False, help_text=_("留空则不修改。"))

    class Meta:
        model = Person
        exclude = ["id_number", "phone", "birth_date", "gender"]  # noqa: DJ006 - encrypted fields go through the inputs above

    def clean(self):
        from django.core.exceptions import ValidationError

        data = super().clean()
        for name, check in (("id_number_input", idnumber.validate), ("phone_input", phone.validate)):
            if data.get(name):
                try:
                    data[name] = check(data[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        number = data.get("id_number_input")
        if not self.instance.pk and not number and "id_number_input" not in self.errors:
            self.add_error("id_number_input", _("新建人员须填写身份证号码。"))
        elif number:
            other = selectors.person_get_by_id_number(number)
            if other is not None and other.pk != self.instance.pk:
                self.add_error("id_number_input", _("该身份证号码已有人员记录。"))
        return data


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    union_field = "memberships__union"
    form = PersonAdminForm
    list_display = ["name", "id_number_masked", "phone_masked", "gender", "unit_name"]
    search_fields = ["name"]
    readonly_fields = ["id_number_masked", "phone_masked", "gender", "birth_date", "reveal_links"]
    inlines = [ProfileChangeInline]

    change_list_template = "admin/members/person/change_list.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).distinct()
        found = getattr(request, "person_search_pks", None)
        return queryset if found is None else queryset.filter(pk__in=found)

    @staticmethod
    def _is_number(term: str) -> bool:

        return bool(idnumber.PATTERN.match(idnumber.normalize(term)) or phone.MOBILE.match(term))

    def get_search_results(self, request, queryset, search_term):

        term = search_term.strip()
        if self._is_number(term):
            by_id = idnumber.PATTERN.match(idnumber.normalize(term))
            person = selectors.person_get_by_id_number(term) if by_id else selectors.person_get_by_phone(term)
            return queryset.filter(pk=person.pk if person else None), False
        return super().get_search_results(request, queryset, search_term)

    # A search by full ID number or phone never goes into a URL (access logs, history, referers): the search box
    # POSTs, and the results page is addressed by an opaque id kept in the session for a few minutes.
    SEARCH_SESSION_KEY = "person_searches"
    SEARCH_SECONDS = 600

    def _numbered_search_redirect(self, request, term: str):
        import secrets
        import time

        from django.utils.http import urlencode

        queryset, _dupes = self.get_search_results(request, self.get_queryset(request), term)
        now = time.time()
        searches = {
            sid: s
            for sid, s in request.session.get(self.SEARCH_SESSION_KEY, {}).items()
            if now - s["at"] < self.SEARCH_SECONDS
        }
        sid = secrets.token_urlsafe(12)
        searches[sid] = {"pks": list(queryset.values_list("pk", flat=True)[:50]), "at": now}
        request.session[self.SEARCH_SESSION_KEY] = searches
        return redirect(f"{reverse('admin:members_person_changelist')}?{urlencode({'sid': sid})}")

    def search_view(self, request):
        from django.utils.http import urlencode

        changelist = reverse("admin:members_person_changelist")
        term = request.POST.get("q", "").strip() if request.method == "POST" else ""
        if self._is_number(term):
            return self._numbered_search_redirect(request, term)
        return redirect(f"{changelist}?{urlencode({'q': term})}" if term else changelist)

    def changelist_view(self, request, extra_context=None):
        import time

        term = request.GET.get("q", "").strip()
        if self._is_number(term):  # typed into the address bar: moved out of it at once
            return self._numbered_search_redirect(request, term)
        sid = request.GET.get("sid")
        if sid is not None:
            search = request.session.get(self.SEARCH_SESSION_KEY, {}).get(sid)
            fresh = search is not None and time.time() - search["at"] < self.SEARCH_SECONDS
            request.GET = request.GET.copy()
            del request.GET["sid"]
            request.person_search_pks = search["pks"] if fresh else []
            extra_context = {
                **(extra_context or {}),
                "person_search_expired": not fresh,
                "person_search": True,
            }
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        before = profile_snapshot(Person.objects.get(pk=obj.pk)) if change else None
        if form.cleaned_data.get("id_number_input"):
            obj.set_id_number(form.cleaned_data["id_number_input"])  # validated by the form
        if form.cleaned_data.get("phone_input"):
            obj.set_phone(form.cleaned_data["phone_input"])
        super().save_model(request, obj, form, change)
        if before is not None:
            profile_changes_record(person=obj, before=before, actor=request.user, by_staff=True)

    @admin.display(description=_("查看完整号码"))
    def reveal_links(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:members_person_reveal", args=[obj.pk, "id_number"]),
            _("身份证号码"),
            reverse("admin:members_person_reveal", args=[obj.pk, "phone"]),
            _("手机号码"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/reveal/<str:field>/",
                self.admin_site.admin_view(self.reveal_view),
                name="members_person_reveal",
            ),
            path("search/", self.admin_site.admin_view(self.search_view), name="members_person_search"),
        ] + super().get_urls()

    def reveal_view(self, request, pk, field):
        person = get_object_or_404(self.get_queryset(request), pk=pk)
        if not permissions.second_factor_verified(request):
            messages.warning(request, _("查看完整号码前，请先完成两步验证。"))
            return permissions.second_factor_redirect(request, request.get_full_path())
        try:
            value = services.person_reveal(person=person, actor=request.user, field=field)
        except (BusinessError, NotInScope):
            messages.error(request, _("没有查看完整个人信息的权限。"))
            return redirect("admin:members_person_change", pk)
        return TemplateResponse(
            request,
            "admin/members/reveal.html",
            {
                **self.admin_site.each_context(request),
                "person": person,
                "field": field,
                "value": value,
                "title": _("查看完整号码（已记录）"),
            },
        )


class MembershipEventInline(ScopedReadOnlyInline):
    model = MembershipEvent
    fields = ["on", "kind", "from_status", "to_status", "from_union", "to_union", "actor_name", "reason"]
    readonly_fields = fields
    fk_name = "membership"

    @admin.display(description=_("经办人"))
    def actor_name(self, obj):
        return selectors.actor_label(obj.actor)


class RetentionInline(ScopedReadOnlyInline):
    model = RetentionPeriod
    fields = ["reason", "retained_on", "restored_on"]
    readonly_fields = fields


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("原因 / 说明"), widget=forms.Textarea(attrs={"rows": 3}))


class RetainForm(forms.Form):
    reason = forms.ChoiceField(label=_("保留会籍原因"), choices=RetainReason.choices)
    note = forms.CharField(label=_("说明"), required=False)


MEMBERSHIP_ACTIONS = {
    "retain": (_("保留会籍"), services.membership_retain),
    "restore": (_("恢复会籍"), services.membership_restore),
    "withdraw": (_("退会（经谈话后决定）"), services.membership_withdraw),
    "expel": (_("开除会籍（委员会决定）"), services.membership_expel),
    "reinstate": (_("纠正自动退会"), services.membership_reinstate),
    "move_out": (_("迁出到职工服务中心工会"), services.membership_move_out),
}


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "member_no",
        "person_name",
        "id_masked",
        "identity_label",
        "union",
        "status",
        "dues_mode",
        "joined_on",
    ]
    list_filter = ["status", "dues_mode"]
    search_fields = ["member_no", "person__name"]
    list_select_related = ["person__user", "union"]
    readonly_fields = [
        "identity_label",
        "person",
        "union",
        "status",
        "member_no",
        "joined_on",
        "dues_start",
        "status_reason",
        "status_changed_on",
        "transition_buttons",
    ]
    fields = [
        "person",
        "identity_label",
        "union",
        "member_no",
        "status",
        "status_reason",
        "status_changed_on",
        "dues_mode",
        "joined_on",
        "dues_start",
        "card_active",
        "transition_buttons",
    ]
    inlines = [RetentionInline, MembershipEventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # memberships come from approved applications or imports

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("姓名"), ordering="person__name")
    def person_name(self, obj):
        return obj.person.name

    @admin.display(description=_("身份证号码"))
    def id_masked(self, obj):
        return obj.person.id_number_masked

    @admin.display(description=_("身份核验"))
    def identity_label(self, obj):
        return person_identity_label(obj.person)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("person__user__identity_verifications")

    @admin.display(description=_("会籍操作"))
    def transition_buttons(self, obj):
        if not obj.pk:
            return "-"
        from django_fsm import can_proceed

        links = [
            format_html(
                '<a class="button" href="{}">{}</a>',
                reverse("admin:members_membership_transition", args=[obj.pk, name]),
                label,
            )
            for name, (label, _svc) in MEMBERSHIP_ACTIONS.items()
            if (
                can_proceed(getattr(obj, name))
                if hasattr(obj, name)
                else obj.status in ("active", "retained")
            )
        ]
        return format_html(" ".join(["{}"] * len(links)), *links) if links else "-"

    def get_urls(self):
        return [
            path(
                "<int:pk>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="members_membership_transition",
            )
        ] + super().get_urls()

    def transition_view(self, request, pk, name):
        membership = get_object_or_404(self.get_queryset(request), pk=pk)
        if name not in MEMBERSHIP_ACTIONS or not self.has_change_permission(request, membership):
            return redirect("admin:members_membership_change", pk)
        label, service = MEMBERSHIP_ACTIONS[name]
        form_class = RetainForm if name == "retain" else TransitionForm
        form = form_class(request.POST or None)
        return admin_step(
            self,
            request,
            obj=membership,
            form=form,
            label=label,
            done_url=reverse("admin:members_membership_change", args=[pk]),
            run=lambda **data: service(membership_id=membership.pk, actor=request.user, **data),
        )


class StaffRolesMixin(forms.ModelForm):
    """Roles are chosen from `members.roles`; the union must lie strictly below the editing admin's own."""

    roles = forms.MultipleChoiceField(
        label=_("角色"), required=False, widget=forms.CheckboxSelectMultiple, choices=staff_roles.role_choices
    )
    actor = None  # set by the model admin

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = [
                k for k in staff_roles.user_role_keys(self.instance) if staff_roles.BY_KEY[k].grantable
            ]
        if "is_union_admin" in self.fields:
            self.fields["is_union_admin"].help_text = _(
                "勾选后拥有“工会管理员”角色：管理本工会资料和下级工会的工作人员账号。"
            )

    def clean_union(self):
        union = self.cleaned_data.get("union")
        if union is None or not selectors.union_strictly_below(self.actor, union):
            raise forms.ValidationError(_("只能选择本工会的下级工会。"), code="not_below")
        return union


class StaffAccountChangeForm(StaffRolesMixin):
    class Meta:
        model = User
        fields = ["union", "is_active", "is_union_admin"]


class StaffAccountAddForm(StaffRolesMixin, UserCreationForm):
    class Meta:
        model = User
        fields = ["username", "union", "is_active", "is_union_admin"]


STAFF_EDIT_FIELDS = ["union", "roles", "is_union_admin", "is_active"]


@admin.register(User)
class UnionUserAdmin(ScopedAdminMixin, UserAdmin):
    """Superusers get Django's full user admin. A union admin sees its own account (read-only) and the staff of
    the unions strictly below its own, and sets only their union, roles, admin flag and active flag; any other
    POSTed field (groups, permissions, is_superuser, …) is not part of its form and changes nothing."""

    list_display = ["username", "union", "role_names", "is_union_admin", "is_active"]
    list_filter = ["is_staff", "is_union_admin", "is_active"]
    fieldsets = UserAdmin.fieldsets + ((_("工会"), {"fields": ["union", "is_union_admin"]}),)
    add_fieldsets = UserAdmin.add_fieldsets + (
        (_("工会"), {"fields": ["union", "is_union_admin", "is_staff"]}),
    )
    readonly_fields = ["person"]

    @staticmethod
    def _is_admin(user) -> bool:
        return bool(user.is_superuser or (user.is_union_staff and user.is_union_admin))

    def _manages(self, request, obj) -> bool:
        try:
            services.staff_account_check(actor=request.user, user=obj)
        except NotInScope:
            return False
        return True

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        user = request.user
        if user.is_superuser:
            return qs
        if not self._is_admin(user):
            return qs.none()
        # the staff of the unions strictly below, and the admin's own account; member accounts are reached
        # through people
        below = selectors.scope_filter(user, "union") & ~Q(union_id=user.union_id) & Q(is_superuser=False)
        return qs.filter(below | Q(pk=user.pk))

    def has_module_permission(self, request):
        return self._is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self._is_admin(request.user) and (
            obj is None or obj.pk == request.user.pk or self._manages(request, obj)
        )

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self._is_admin(request.user) and (obj is None or self._manages(request, obj))

    def has_add_permission(self, request):
        return self._is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_actions(self, request):
        return super().get_actions(request) if request.user.is_superuser else {}

    def get_list_filter(self, request):
        return self.list_filter if request.user.is_superuser else ["is_union_admin", "is_active"]

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        if obj is None:
            return [
                (None, {"fields": ["username", "password1", "password2"]}),
                (_("工会与角色"), {"fields": STAFF_EDIT_FIELDS}),
            ]
        if obj.pk == request.user.pk:
            return [
                (None, {"fields": ["username"]}),
                (_("工会与角色"), {"fields": ["union", "role_names", "is_union_admin", "is_active"]}),
                (_("时间"), {"fields": ["last_login", "date_joined"]}),
            ]
        return [
            (None, {"fields": ["username", "password_reset_link"]}),
            (_("工会与角色"), {"fields": STAFF_EDIT_FIELDS}),
            (_("时间"), {"fields": ["last_login", "date_joined"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            return [
                "username",
                "union",
                "role_names",
                "is_union_admin",
                "is_active",
                "last_login",
                "date_joined",
            ]
        return ["username", "password_reset_link", "role_names", "last_login", "date_joined"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if request.user.is_superuser:
            return super().get_form(request, obj, change=change, **kwargs)
        own = obj is not None and obj.pk == request.user.pk
        if own:
            base, fields = forms.ModelForm, []
        elif obj is None:
            base, fields = StaffAccountAddForm, ["username", "union", "is_active", "is_union_admin"]
        else:
            base, fields = StaffAccountChangeForm, ["union", "is_active", "is_union_admin"]
        form = admin.ModelAdmin.get_form(
            self, request, obj, change=change, form=base, fields=fields, exclude=None
        )
        form.actor = request.user
        return form

    @admin.display(description=_("密码"))
    def password_reset_link(self, obj):
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:auth_user_password_change", args=[obj.pk]),
            _("重置密码"),
        )

    @admin.display(description=_("角色"))
    def role_names(self, obj):
        return "、".join(staff_roles.BY_KEY[k].name for k in staff_roles.user_role_keys(obj)) or "-"

    def save_model(self, request, obj, form, change):
        if request.user.is_superuser:
            return super().save_model(request, obj, form, change)
        if change and obj.pk == request.user.pk:
            raise PermissionDenied  # the own account is read-only here
        if not selectors.union_strictly_below(request.user, obj.union):
            raise NotInScope()
        obj.is_superuser = False
        obj.is_staff = True
        if change:
            # the form's values go through the service (scope check, audit); the instance is saved there
            return None
        super().save_model(request, obj, form, change)
        return None

    def save_related(self, request, form, formsets, change):
        if request.user.is_superuser:
            return super().save_related(request, form, formsets, change)
        obj = form.instance
        roles = form.cleaned_data.get("roles", [])
        if change:
            services.staff_roles_set(
                actor=request.user,
                user=obj,
                roles=roles,
                union=form.cleaned_data["union"],
                is_union_admin=form.cleaned_data["is_union_admin"],
                is_active=form.cleaned_data["is_active"],
            )
        else:
            services.staff_roles_set(actor=request.user, user=obj, roles=roles)
        return None

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, unquote(id))
        if target is None or not (request.user.is_superuser or self._manages(request, target)):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if (
            request.method == "POST"
            and response.status_code == 302
            and response.url.endswith(reverse("admin:members_user_change", args=[target.pk]))
        ):
            services.staff_password_reset_record(actor=request.user, user=target)
        return response


# --- union upkeep -----------------------------------------------------------------------------------------

# form field → attribute of the employer unit (单位)
EMPLOYER_FIELDS = {
    "employer_name": "name",
    "employer_credit_code": "credit_code",
    "employer_nature": "nature",
    "employer_address": "address",
    "employer_worker_count": "worker_count",
}


class UnionUpkeepForm(forms.ModelForm):
    """The union's real-name fields together with its employer unit (单位) in one form."""

    employer_name = forms.CharField(label=_("单位名称"), max_length=200, required=False)
    employer_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    employer_nature = forms.CharField(
        label=_("单位性质"),
        max_length=40,
        required=False,
        help_text=_("党政机关、事业单位、国有经济、集体经济、私营经济、股份制、外商投资、港澳台投资等"),
    )
    employer_address = forms.CharField(label=_("单位地址"), max_length=200, required=False)
    employer_worker_count = forms.IntegerField(label=_("职工人数"), min_value=0, required=False)

    KEPT_WHEN_EMPTY = ("term_years", "session_no")  # a form sent without them keeps the union's values

    def clean(self):
        data = super().clean()
        for name in self.KEPT_WHEN_EMPTY:
            if name in self.fields and data.get(name) is None:
                data[name] = getattr(self.instance, name) or Union._meta.get_field(name).default
        return data

    class Meta:
        model = Union
        fields = [
            "name",
            "code",
            "level",
            "parent",
            "accepts_members",
            "is_reservoir",
            "union_type",
            "phone",
            "region",
            "address",
            "leader_name",
            "founded_on",
            "term",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.KEPT_WHEN_EMPTY:
            if name in self.fields:
                self.fields[name].required = False
        employer = self.instance.employer if self.instance.pk else None
        if employer is not None:
            for name, attr in EMPLOYER_FIELDS.items():
                self.initial.setdefault(name, getattr(employer, attr))

    def clean_employer_credit_code(self):
        code = creditcode.normalize(self.cleaned_data.get("employer_credit_code"))
        if code:
            creditcode.validate(code)
        clash = EmployerUnit.objects.filter(credit_code=code).exclude(pk=self.instance.employer_id)
        if code and clash.exists():
            raise forms.ValidationError(_("该统一社会信用代码已属于其他单位。"))
        return code or None


UPKEEP_STRUCTURE_FIELDS = ["code", "level", "parent", "is_reservoir", "accepts_members"]


class UnionUpkeepAdmin(UnionAdmin):
    form = UnionUpkeepForm
    fieldsets = [
        (
            None,
            {"fields": ["name", "code", "level", "parent", "accepts_members", "is_reservoir", "union_type"]},
        ),
        (_("联系方式"), {"fields": ["phone", "region", "address", "leader_name"]}),
        (_("组织信息"), {"fields": ["founded_on", "term", "reviewed_at"]}),
        LIFECYCLE_FIELDSET,
        (_("所在单位"), {"fields": list(EMPLOYER_FIELDS)}),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        union = self.get_object(request, object_id)
        warning = selectors.contact_missing_warning(union) if union is not None else None
        if warning and request.method == "GET":
            messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["reviewed_at", "dissolved_on"]
        if not request.user.is_superuser and obj is not None:
            # the place in the tree is kept by the unions above; staff keep the union's own data
            readonly += UPKEEP_STRUCTURE_FIELDS
            if (
                obj.pk == request.user.union_id
            ):  # 自主审批 and the term are set from above, not by the union itself
                readonly += ["self_approval", "session_no", "term_started_on"]
        return readonly

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if data.get("employer_name"):
            employer = obj.employer or EmployerUnit(county=obj.county if obj.pk else None)
            for name, attr in EMPLOYER_FIELDS.items():
                setattr(employer, attr, data.get(name))
            employer.save()
            obj.employer = employer
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = list(form.changed_data)
        for formset in formsets:
            if formset.has_changed():
                changed.append(str(formset.model._meta.verbose_name))
        if change and changed:
            audit_record(actor=request.user, action="union_update", obj=form.instance, fields=changed)


admin.site.register(Union, UnionUpkeepAdmin)
