"""Staff side of join applications in Django admin, on the shared workflow admin (casework): flags, the route,
the printable forms and the proof download."""

from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from applications import documents, services
from applications.forms import ApproveForm
from applications.models import JoinApplication
from applications.views import proof_response
from casework.admin import ApplicationAdminMixin, workflow_steps


@admin.register(JoinApplication)
class JoinApplicationAdmin(ApplicationAdminMixin, admin.ModelAdmin):
    steps = workflow_steps(
        dispatch=services.join_application_dispatch,
        verify=services.join_application_verify,
        approve=services.join_application_approve,
        reject=services.join_application_reject,
        approve_label=_("同意入会"),
        approve_form=ApproveForm,
    )
    document_pdf = staticmethod(documents.document_pdf)
    list_display = [
        "applicant_name",
        "id_masked",
        "identity_label",
        "unit",
        "handled_by",
        "state_badge",
        "due_marked",
        "flag_list",
        "submitted",
    ]
    search_fields = ["applicant__name", "unit_name", "employer_name"]
    readonly_fields = [
        "applicant",
        "id_masked",
        "identity_label",
        "state_badge",
        "route_display",
        "union",
        "county",
        "unit_name",
        "employer_name",
        "employment_type",
        "hire_date",
        "statement",
        "wants_card",
        "flag_list",
        "proof_link",
        "due_marked",
        "created_at",
        "decided_by_name",
        "decided_at",
        "reason",
        "dues_mode",
        "membership",
        "documents_links",
    ]
    fieldsets = [
        (_("办理"), {"fields": ["state_badge", "route_display", "due_marked", "documents_links"]}),
        (
            _("申请人"),
            {
                "fields": [
                    "applicant",
                    "id_masked",
                    "identity_label",
                    "unit_name",
                    "employment_type",
                    "hire_date",
                    "wants_card",
                    "flag_list",
                    "proof_link",
                    "statement",
                    "created_at",
                ]
            },
        ),
        (_("分派与校核"), {"fields": ["county", "employer_name", "union"]}),
        (_("审批结果"), {"fields": ["decided_by_name", "decided_at", "reason", "dues_mode", "membership"]}),
    ]

    @admin.display(description=_("提示"))
    def flag_list(self, obj):
        return "、".join(obj.flags) or "-"

    @admin.display(description=_("办理方式"))
    def route_display(self, obj):
        return _("分派办理（市总→县区→工会）") if obj.route == "dispatch" else _("直接向工会申请")

    @admin.display(description=_("委托入会证明"))
    def proof_link(self, obj):
        if not obj.proof_file:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:applications_joinapplication_proof", args=[obj.pk]),
            _("下载"),
        )

    @admin.display(description=_("打印"))
    def documents_links(self, obj):
        kinds = [documents.APPLICATION_FORM] + ([documents.REGISTRATION_FORM] if obj.membership_id else [])
        return format_html_join(
            " · ",
            '<a href="{}">《{}》</a>',
            (
                (
                    reverse("admin:applications_joinapplication_document", args=[obj.pk, kind]),
                    documents.TITLES[kind],
                )
                for kind in kinds
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/proof/",
                self.admin_site.admin_view(self.proof_view),
                name="applications_joinapplication_proof",
            ),
        ] + super().get_urls()

    def proof_view(self, request, pk):
        return proof_response(get_object_or_404(self.get_queryset(request), pk=pk))
