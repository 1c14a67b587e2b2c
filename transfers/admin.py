"""Staff side of transfers and union formation, on the same admin mixin as join applications."""

from django.contrib import admin
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from applications.admin import ApplicationAdminMixin, TransitionRecordInline, workflow_steps
from members import selectors as member_selectors
from transfers import documents, selectors, services
from transfers.forms import CaseEstablishForm, CaseStepForm, TransferApproveForm
from transfers.models import TransferApplication, UnionFormationCase
from unionhub import clock
from unionhub.admin_scope import ScopedAdminMixin, admin_step
from unionhub.errors import InvalidTransition, NotInScope
from unionhub.pdf import pdf_response


@admin.register(TransferApplication)
class TransferApplicationAdmin(ApplicationAdminMixin, admin.ModelAdmin):
    steps = workflow_steps(dispatch=services.transfer_application_dispatch,
                           verify=services.transfer_application_verify,
                           approve=services.transfer_application_approve,
                           reject=services.transfer_application_reject,
                           approve_label=_("同意转入"), approve_form=TransferApproveForm)
    list_display = ["applicant_name", "id_masked", "from_union", "handled_by", "state_badge", "due_marked",
                    "secondment_until", "submitted"]
    search_fields = ["applicant__name", "unit_name", "membership__member_no"]
    readonly_fields = ["applicant", "id_masked", "membership", "state_badge", "from_union", "union", "county",
                       "unit_name", "employer_name", "transfer_reason", "secondment_until", "due_marked",
                       "created_at", "decided_by_name", "decided_at", "reason", "documents_links"]
    fieldsets = [
        (_("办理"), {"fields": ["state_badge", "due_marked", "documents_links"]}),
        (_("申请人"), {"fields": ["applicant", "id_masked", "membership", "from_union", "unit_name",
                                  "transfer_reason", "secondment_until", "created_at"]}),
        (_("分派与校核"), {"fields": ["county", "employer_name", "union"]}),
        (_("审批结果"), {"fields": ["decided_by_name", "decided_at", "reason"]}),
    ]

    @admin.display(description=_("打印"))
    def documents_links(self, obj):
        return format_html_join(" · ", '<a href="{}">《{}》</a>', (
            (reverse("admin:transfers_transferapplication_document", args=[obj.pk, kind]), title)
            for kind, title in documents.TITLES.items()))

    def get_urls(self):
        return [path("<int:pk>/document/<slug:kind>/", self.admin_site.admin_view(self.document_view),
                     name="transfers_transferapplication_document")] + super().get_urls()

    def document_view(self, request, pk, kind):
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            content, filename = documents.document_pdf(obj, kind)
        except LookupError:
            return redirect("admin:transfers_transferapplication_change", pk)
        return pdf_response(content, filename)


CASE_STEPS = {
    "issue_notice": (_("已下发组建通知书"), CaseStepForm, services.union_formation_issue_notice),
    "establish": (_("已建会（选择新工会）"), CaseEstablishForm, services.union_formation_establish),
    "transfer_members": (_("一键转接会员"), CaseStepForm, services.union_formation_transfer_members),
}


@admin.register(UnionFormationCase)
class UnionFormationCaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["employer_name", "reservoir", "county", "member_count", "state", "due_marked", "new_union"]
    list_filter = ["state"]
    search_fields = ["employer_name"]
    readonly_fields = ["employer_name", "reservoir", "county", "member_count", "state", "opened_on", "due_marked",
                       "notice_issued_on", "new_union", "established_on", "transferred_count", "updated_by_name",
                       "notice_link"]
    fields = readonly_fields
    inlines = [TransitionRecordInline]
    change_form_template = "admin/applications/application_change_form.html"

    @admin.display(description=_("经办人"))
    def updated_by_name(self, obj):
        return member_selectors.actor_label(obj.updated_by) if obj.updated_by_id else "-"

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

    @admin.display(description=_("打印"))
    def notice_link(self, obj):
        return format_html('<a href="{}">《{}》</a>', reverse("admin:transfers_unionformationcase_notice",
                                                             args=[obj.pk]), documents.FORMATION_NOTICE_TITLE)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        steps = []
        if obj is not None and member_selectors.union_in_scope(request.user, obj.county):
            steps = [(name, label, reverse("admin:transfers_unionformationcase_step", args=[obj.pk, name]))
                     for name, (label, _f, _s) in CASE_STEPS.items() if can_proceed(getattr(obj, name))]
        return super().change_view(request, object_id, form_url, {
            **(extra_context or {}), "steps": steps, "show_save": False, "show_save_and_continue": False,
            "show_save_and_add_another": False, "show_delete": False})

    def get_urls(self):
        return [
            path("<int:pk>/step/<str:name>/", self.admin_site.admin_view(self.step_view),
                 name="transfers_unionformationcase_step"),
            path("<int:pk>/notice/", self.admin_site.admin_view(self.notice_view),
                 name="transfers_unionformationcase_notice"),
        ] + super().get_urls()

    def notice_view(self, request, pk):
        case = get_object_or_404(self.get_queryset(request), pk=pk)
        return pdf_response(documents.formation_notice_pdf(case), f"{documents.FORMATION_NOTICE_TITLE}-{case.pk}.pdf")

    def step_view(self, request, pk, name):
        case = get_object_or_404(self.get_queryset(request), pk=pk)
        change_url = reverse("admin:transfers_unionformationcase_change", args=[pk])
        if name not in CASE_STEPS or not self.has_change_permission(request, case):  # the 审批员 role
            return redirect(change_url)
        label, form_class, service = CASE_STEPS[name]
        form = form_class(request.POST if request.method == "POST" else None)
        if "union" in form.fields:
            form.fields["union"].queryset = form.fields["union"].queryset.filter(path__startswith=case.county.path)
        return admin_step(self, request, obj=case, form=form, label=label, done_url=change_url,
                          run=lambda **data: service(case_id=case.pk, actor=request.user, **data),
                          refusals={NotInScope: _("该案件当前的状态或您的角色不允许此操作。"),
                                    InvalidTransition: _("该案件当前的状态或您的角色不允许此操作。")})
