"""Admin of the shared workflow: role queues, overdue marking, transition buttons that call the same services as
the API, the trace inline, printable documents, and the working-day calendar kept by city admins."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.admin import GenericTabularInline
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from casework import selectors as case_selectors
from casework.forms import DispatchForm, RejectForm, VerifyForm
from casework.models import TransitionRecord, WorkdayOverride
from members import selectors as member_selectors
from members.identity import identity_verified_by, person_identity_label
from members.models import EmployerUnit, UnionLevel
from members.scope import ReadOnlyInlineMixin, ScopedAdminMixin, admin_step
from unionhub.lib import clock
from unionhub.lib.admin_steps import StepButtonsMixin
from unionhub.lib.errors import InvalidTransition, NotInScope
from unionhub.lib.paginators import CappedCountPaginator
from unionhub.lib.pdf import pdf_response


class QueueFilter(admin.SimpleListFilter):
    title = _("待办")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", _("待我处理")), ("below", _("下级处理中"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(case_selectors.application_queue_q(request.user))
        if self.value() == "below":
            return queryset.filter(case_selectors.application_waiting_below_q(request.user))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("办结期限")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("已超期")), ("no", _("未超期"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(case_selectors.overdue_q(clock.today()))
        if self.value() == "no":
            return queryset.exclude(case_selectors.overdue_q(clock.today()))
        return queryset


class RowLinkChangeList(ChangeList):
    """The changelist whose row links carry the list's filters (`?_changelist_filters=…`, to come back to the same
    list) as Django's do, but appended once per row: Django's add_preserved_filters resolves each row's URL against
    every admin pattern to find out it is not the changelist, a quarter of a filtered page's rendering."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result):
        url = super().url_for_result(result)
        return f"{url}?{self.row_filters}" if self.row_filters else url


class TransitionRecordInline(ReadOnlyInlineMixin, GenericTabularInline):
    model = TransitionRecord
    ct_field, ct_fk_field = "content_type", "object_id"
    fields = ["at", "get_source_display", "get_target_display", "actor_name", "comment"]
    readonly_fields = fields
    verbose_name_plural = _("办理记录（痕迹管理）")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor__person", "actor__union")

    @admin.display(description=_("经办人"))
    def actor_name(self, obj):
        return member_selectors.actor_label(obj.actor)


class ApplicationAdminMixin(StepButtonsMixin, ScopedAdminMixin):
    """List colours, overdue marking and transition buttons shared by join and transfer applications.

    Subclasses set `steps`: name → (label, form class, service called with application_id, actor and the form's
    cleaned data)."""

    steps: dict = {}
    # The kind's printable documents: (application, kind) -> (PDF bytes, file name); LookupError for other kinds.
    document_pdf = None
    change_form_template = "admin/casework/step_change_form.html"
    list_display_links = ["applicant_name"]
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_filter = [QueueFilter, "state", OverdueFilter]
    inlines = [TransitionRecordInline]
    _state_labels: dict[str, dict[str, str]] = {}  # noqa: RUF012 - replaced whole, never changed in place

    @admin.display(description=_("审批人"))
    def decided_by_name(self, obj):
        return member_selectors.actor_label(obj.decided_by) if obj.decided_by_id else "-"

    class Media:
        css = {"all": ["casework/admin.css"]}

    def get_changelist(self, request, **kwargs):
        return RowLinkChangeList

    def get_queryset(self, request):
        qs = (
            admin.ModelAdmin.get_queryset(self, request)
            .select_related("applicant__user", "union", "county")
            .prefetch_related("applicant__user__identity_verifications")
        )
        return qs.filter(case_selectors.application_scope_q(request.user, self.model.scope_union_fields))

    @admin.display(description=_("身份核验"))
    def identity_label(self, obj):
        user = getattr(obj.applicant, "user", None)
        if user is not None and not user.identity_verifications.all():
            return format_html('<span class="app-unverified">⚠ {}</span>', _("未核验"))
        return person_identity_label(obj.applicant)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("状态"), ordering="state")
    def state_badge(self, obj):
        return format_html(
            '<span class="app-state app-state-{}">{}</span>', obj.state, self.state_label(obj.state)
        )

    def state_label(self, state: str) -> str:
        """The state's name in the active language, translated once per language (get_FOO_display hashes every
        lazy choice label on each call, which is each choice translated again for every row of the list)."""
        language = get_language()
        labels = self._state_labels.get(language)
        if labels is None:
            labels = {value: str(label) for value, label in self.model._meta.get_field("state").flatchoices}
            self._state_labels = {**self._state_labels, language: labels}
        return labels.get(state, state)

    @admin.display(description=_("办结期限"), ordering="due_at")
    def due_marked(self, obj):
        if obj.is_open and obj.due_at < clock.today():
            return format_html(
                '<span class="app-overdue" title="{}">{} ⚠ {}</span>', _("已超期"), obj.due_at, _("超期")
            )
        return obj.due_at

    @admin.display(description=_("申请人"), ordering="applicant__name")
    def applicant_name(self, obj):
        return obj.applicant.name

    @admin.display(description=_("身份证号码"))
    def id_masked(self, obj):
        return obj.applicant.id_number_masked

    def step_form(self, request, obj, name, form_class):
        form = self._step_form(request, obj, name, form_class)
        if "id_card_checked" in form.fields:
            if identity_verified_by(getattr(obj.applicant, "user", None)):
                del form.fields["id_card_checked"]  # already verified: nothing to confirm
            else:
                form.fields["id_card_checked"].required = True
        return form

    def get_list_display(self, request):
        """The columns each role needs: the city its county and union, a county its unions, a union its people."""
        union = None if request.user.is_superuser else request.user.union
        if union is None or union.level in (UnionLevel.CITY, UnionLevel.COUNTY):
            drop = {"id_masked"}
        else:  # a union's own staff: the ID to check; who handles it only when it has unions below
            drop = set() if union.children.exists() else {"handled_by"}
        return [column for column in self.list_display if column not in drop]

    @admin.display(description=_("办理工会"), ordering="union__path")
    def handled_by(self, obj):
        union = obj.union.name if obj.union_id else "—"
        if obj.county_id:
            return format_html('{}<br><small class="app-county">{}</small>', union, obj.county.name)
        return union

    @admin.display(description=_("所在单位"), ordering="unit_name")
    def unit(self, obj):
        return obj.unit_name

    @admin.display(description=_("提交时间"), ordering="created_at")
    def submitted(self, obj):
        return format_html(
            '<time datetime="{}">{}</time>',
            timezone.localtime(obj.created_at).isoformat(),
            timezone.localtime(obj.created_at).strftime("%Y-%m-%d %H:%M"),
        )

    def step_names(self, request, obj) -> list[str]:
        return [
            name
            for name in self.steps
            if can_proceed(getattr(obj, name)) and has_transition_perm(getattr(obj, name), request.user)
        ]

    def step_page_opened(self, request, obj) -> None:
        if request.method == "GET":
            deciding = request.user.union if request.user.union_id else getattr(obj, "union", None)
            warning = member_selectors.contact_missing_warning(deciding)
            if warning:
                messages.warning(request, warning)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        urls = [
            path(
                "<int:pk>/step/<str:name>/",
                self.admin_site.admin_view(self.step_view),
                name="{}_{}_step".format(*info),
            )
        ]
        if self.document_pdf is not None:
            urls.append(
                path(
                    "<int:pk>/document/<slug:kind>/",
                    self.admin_site.admin_view(self.document_view),
                    name="{}_{}_document".format(*info),
                )
            )
        return urls + super().get_urls()

    def document_view(self, request, pk, kind):
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            content, filename = self.document_pdf(obj, kind)
        except LookupError:
            info = self.model._meta.app_label, self.model._meta.model_name
            return redirect("admin:{}_{}_change".format(*info), pk)
        return pdf_response(content, filename)

    def _step_form(self, request, obj, name, form_class):
        form = form_class(request.POST if request.method == "POST" else None)
        if "county" in form.fields:
            form.fields["county"].queryset = member_selectors.union_scope(request.user).filter(
                level=UnionLevel.COUNTY
            )
        if "union" in form.fields and obj.county_id:
            form.fields["union"].queryset = form.fields["union"].queryset.filter(
                path__startswith=obj.county.path
            )
            form.fields["employer_name"].initial = obj.employer_name or obj.unit_name
        return form

    def step_view(self, request, pk, name):
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        info = self.model._meta.app_label, self.model._meta.model_name
        change_url = reverse("admin:{}_{}_change".format(*info), args=[pk])
        if name not in self.steps or not self.has_change_permission(request, obj):  # the 审批员 role
            return redirect(change_url)
        label, form_class, service = self.steps[name]
        form = self.step_form(request, obj, name, form_class)
        response = admin_step(
            self,
            request,
            obj=obj,
            form=form,
            label=label,
            done_url=change_url,
            run=lambda **data: service(application_id=obj.pk, actor=request.user, **data),
            refusals={
                NotInScope: _("无权办理该申请。"),
                InvalidTransition: _("该申请当前的状态或您的角色不允许此操作。"),
            },
        )
        if getattr(response, "context_data", None) is not None:  # the form is shown (not yet rendered)
            response.template_name = "admin/casework/step_form.html"
            response.context_data.update(self.step_context(request, obj, name, change_url))
        return response

    def step_context(self, request, obj, name, change_url) -> dict:
        """What the step page shows beside the form: the applicant's unit, region and hire date, and for dispatch
        and verify the unions whose name matches the unit (with leader and phone), as staff search by keyword."""
        unit = getattr(obj, "employer_name", "") or obj.unit_name
        employer = EmployerUnit.objects.filter(name=unit).select_related("county").first()
        region = obj.county or (employer.county if employer else None)
        context = {
            "change_url": change_url,
            "step_name": name,
            "app_unit": unit,
            "app_region": region.name if region else "",
            "app_hire_date": getattr(obj, "hire_date", None),
        }
        if name in ("dispatch", "verify"):
            keyword = request.GET.get("q", "").strip() or case_selectors.unit_keyword(unit)
            within = obj.county if name == "verify" and obj.county_id else None
            context.update(
                suggest_keyword=keyword, suggestions=case_selectors.union_suggestions(keyword, within=within)
            )
        return context


def workflow_steps(*, dispatch, verify, approve, reject, approve_label, approve_form) -> dict:
    """The admin steps of an application kind: its four staff services with their forms."""
    return {
        "dispatch": (_("分派"), DispatchForm, dispatch),
        "verify": (_("校核"), VerifyForm, verify),
        "approve": (approve_label, approve_form, approve),
        "reject": (_("不同意（驳回）"), RejectForm, reject),
    }


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    """City admins record holidays and adjusted working days the calendar package does not know yet."""

    list_display = ["day", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"

    def _is_city(self, request):
        user = request.user
        return user.is_superuser or (
            getattr(user, "is_union_staff", False) and user.union.level == UnionLevel.CITY
        )

    def has_module_permission(self, request):
        return self._is_city(request)

    def has_view_permission(self, request, obj=None):
        return self._is_city(request)

    def has_add_permission(self, request):
        return self._is_city(request)

    def has_change_permission(self, request, obj=None):
        return self._is_city(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_city(request)
