from django.contrib import admin
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from casework.admin import TransitionRecordInline
from formation import documents, selectors, services
from formation.forms import CaseEstablishForm, CaseStepForm, FoundingFromCaseForm
from formation.models import UnionFormationCase, UnionFormationState
from members import selectors as member_selectors
from members.scope import ScopedAdminMixin, admin_step
from unionhub.lib import clock
from unionhub.lib.admin_steps import StepButtonsMixin
from unionhub.lib.errors import InvalidTransition, NotInScope
from unionhub.lib.pdf import pdf_response

CASE_STEPS = {
    "issue_notice": (_("已下发组建通知书"), CaseStepForm, services.union_formation_issue_notice),
    "establish": (_("已建会（选择新工会）"), CaseEstablishForm, services.union_formation_establish),
    "transfer_members": (_("一键转接会员"), CaseStepForm, services.union_formation_transfer_members),
    "open_founding": (_("成立筹备组（开始建会）"), FoundingFromCaseForm, services.founding_open_from_case),
}


def _step_available(case: UnionFormationCase, name: str) -> bool:
    if name == "open_founding":
        return case.state in (UnionFormationState.OPEN, UnionFormationState.NOTICE_ISSUED) and not hasattr(
            case, "founding"
        )
    return can_proceed(getattr(case, name))


@admin.register(UnionFormationCase)
class UnionFormationCaseAdmin(StepButtonsMixin, ScopedAdminMixin, admin.ModelAdmin):
    steps = CASE_STEPS
    list_display = [
        "employer_name",
        "reservoir",
        "county",
        "member_count",
        "state",
        "due_marked",
        "new_union",
    ]
    list_filter = ["state"]
    search_fields = ["employer_name"]
    readonly_fields = [
        "employer_name",
        "reservoir",
        "county",
        "member_count",
        "state",
        "opened_on",
        "due_marked",
        "notice_issued_on",
        "notice_no",
        "founding_link",
        "new_union",
        "established_on",
        "transfer_due_at",
        "transferred_count",
        "updated_by_name",
        "notice_link",
    ]
    fields = readonly_fields
    inlines = [TransitionRecordInline]
    change_form_template = "admin/casework/step_change_form.html"

    def get_queryset(self, request):
        return selectors.union_formation_list(user=request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("通知书下发期限"), ordering="due_at")
    def due_marked(self, obj):
        if obj.state == "open" and obj.due_at < clock.today():
            return format_html('<span class="app-overdue">{} ⚠ {}</span>', obj.due_at, _("超期"))
        return obj.due_at

    @admin.display(description=_("经办人"))
    def updated_by_name(self, obj):
        return member_selectors.actor_label(obj.updated_by) if obj.updated_by_id else "-"

    @admin.display(description=_("建会"))
    def founding_link(self, obj):
        founding = getattr(obj, "founding", None)
        if founding is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:formation_founding_change", args=[founding.pk]), founding
        )

    @admin.display(description=_("打印"))
    def notice_link(self, obj):
        return format_html(
            '<a href="{}">《{}》</a>',
            reverse("admin:formation_unionformationcase_notice", args=[obj.pk]),
            documents.FORMATION_NOTICE_TITLE,
        )

    def step_names(self, request, obj) -> list[str]:
        if not member_selectors.union_in_scope(request.user, obj.county):
            return []
        return [name for name in CASE_STEPS if _step_available(obj, name)]

    def get_urls(self):
        return [
            path(
                "<int:pk>/step/<str:name>/",
                self.admin_site.admin_view(self.step_view),
                name="formation_unionformationcase_step",
            ),
            path(
                "<int:pk>/notice/",
                self.admin_site.admin_view(self.notice_view),
                name="formation_unionformationcase_notice",
            ),
        ] + super().get_urls()

    def notice_view(self, request, pk):
        case = get_object_or_404(self.get_queryset(request), pk=pk)
        return pdf_response(
            documents.formation_notice_pdf(case), f"{documents.FORMATION_NOTICE_TITLE}-{case.pk}.pdf"
        )

    def step_view(self, request, pk, name):
        case = get_object_or_404(self.get_queryset(request), pk=pk)
        change_url = reverse("admin:formation_unionformationcase_change", args=[pk])
        if name not in CASE_STEPS or not self.has_change_permission(request, case):  # the 审批员 role
            return redirect(change_url)
        label, form_class, service = CASE_STEPS[name]
        form = form_class(request.POST if request.method == "POST" else None)
        if "union" in form.fields:
            form.fields["union"].queryset = form.fields["union"].queryset.filter(
                path__startswith=case.county.path
            )
        return admin_step(
            self,
            request,
            obj=case,
            form=form,
            label=label,
            done_url=change_url,
            run=lambda **data: service(case_id=case.pk, actor=request.user, **data),
            refusals={
                NotInScope: _("该案件当前的状态或您的角色不允许此操作。"),
                InvalidTransition: _("该案件当前的状态或您的角色不允许此操作。"),
            },
        )
