"""Staff side of transfers, on the same workflow admin as join applications (casework)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from casework.admin import ApplicationAdminMixin, workflow_steps
from transfers import documents, services
from transfers.forms import TransferApproveForm
from transfers.models import TransferApplication


@admin.register(TransferApplication)
class TransferApplicationAdmin(ApplicationAdminMixin, admin.ModelAdmin):
    steps = workflow_steps(
        dispatch=services.transfer_application_dispatch,
        verify=services.transfer_application_verify,
        approve=services.transfer_application_approve,
        reject=services.transfer_application_reject,
        approve_label=_("同意转入"),
        approve_form=TransferApproveForm,
    )
    document_pdf = staticmethod(documents.document_pdf)
    list_display = [
        "applicant_name",
        "id_masked",
        "identity_label",
        "from_union",
        "handled_by",
        "state_badge",
        "due_marked",
        "secondment_until",
        "submitted",
    ]
    search_fields = ["applicant__name", "unit_name", "membership__member_no"]
    readonly_fields = [
        "applicant",
        "id_masked",
        "identity_label",
        "membership",
        "state_badge",
        "from_union",
        "union",
        "county",
        "unit_name",
        "employer_name",
        "transfer_reason",
        "secondment_until",
        "due_marked",
        "created_at",
        "decided_by_name",
        "decided_at",
        "reason",
        "documents_links",
    ]
    fieldsets = [
        (_("办理"), {"fields": ["state_badge", "due_marked", "documents_links"]}),
        (
            _("申请人"),
            {
                "fields": [
                    "applicant",
                    "id_masked",
                    "identity_label",
                    "membership",
                    "from_union",
                    "unit_name",
                    "transfer_reason",
                    "secondment_until",
                    "created_at",
                ]
            },
        ),
        (_("分派与校核"), {"fields": ["county", "employer_name", "union"]}),
        (_("审批结果"), {"fields": ["decided_by_name", "decided_at", "reason"]}),
    ]

    @admin.display(description=_("打印"))
    def documents_links(self, obj):
        return format_html_join(
            " · ",
            '<a href="{}">《{}》</a>',
            (
                (reverse("admin:transfers_transferapplication_document", args=[obj.pk, kind]), title)
                for kind, title in documents.TITLES.items()
            ),
        )
