from django.contrib import admin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from formation import documents, scans, services
from formation.admin.base import LifecycleAdmin
from formation.forms import (
    FoundingApplyForm,
    FoundingApproveForm,
    FoundingCongressForm,
    FoundingElectionForm,
    FoundingOpenForm,
    FoundingScanForm,
    ReasonForm,
)
from formation.models import FOUNDING_OPEN_STATES, Founding, FoundingDocument
from formation.services.founding import founding_documents_of
from unionhub.lib.pdf import pdf_response


def _abandon(*, founding_id, actor, reason):
    return services.founding_abandon(founding_id=founding_id, actor=actor, reason=reason)


@admin.register(Founding)
class FoundingAdmin(LifecycleAdmin):
    list_display = ["union_name", "employer_name", "parent", "state", "due_marked", "formation_case"]
    search_fields = ["union_name", "employer_name"]
    scope_lookup = "parent"
    parent_field = "parent"
    open_states = tuple(FOUNDING_OPEN_STATES)
    readonly_fields = [
        "union_name",
        "employer_name",
        "parent",
        "formation_case",
        "state",
        "due_marked",
        "contact_name",
        "contact_phone",
        "group_members",
        "member_count",
        "has_women_members",
        "congress_on",
        "election_form",
        "candidates",
        "elected",
        "approved_on",
        "approval_no",
        "union",
        "documents_links",
    ]
    fields = readonly_fields
    start = (_("成立筹备组"), FoundingOpenForm, services.founding_open)
    steps = {
        "apply": (_("申请建会"), FoundingApplyForm, services.founding_apply, "founding_id"),
        "request_congress": (
            _("请示召开第一次会员（代表）大会"),
            FoundingCongressForm,
            services.founding_request_congress,
            "founding_id",
        ),
        "report_election": (
            _("报告选举结果"),
            FoundingElectionForm,
            services.founding_report_election,
            "founding_id",
        ),
        "upload_scan": (_("上传签章扫描件"), FoundingScanForm, services.founding_scan_upload, "founding_id"),
        "approve": (_("批准成立"), FoundingApproveForm, services.founding_approve, "founding_id"),
        "abandon": (_("终止建会"), ReasonForm, _abandon, "founding_id"),
    }

    def step_available(self, request, obj, name) -> bool:
        return name == "upload_scan" and obj.is_open

    @admin.display(description=_("建会文件"))
    def documents_links(self, obj):
        scanned = set(FoundingDocument.objects.filter(founding=obj).values_list("kind", flat=True))
        rows = []
        for kind in founding_documents_of(obj):
            label = dict(FoundingDocument._meta.get_field("kind").choices)[kind]
            scan = (
                format_html(
                    ' · <a href="{}">{}</a>',
                    reverse("admin:formation_founding_scan", args=[obj.pk, kind]),
                    _("签章扫描件"),
                )
                if kind in scanned
                else format_html(" · {}", _("未上传扫描件"))
            )
            rows.append((reverse("admin:formation_founding_document", args=[obj.pk, kind]), label, scan))
        return format_html_join(format_html("<br>"), '<a href="{}">《{}》</a>{}', rows) or "-"

    def get_urls(self):
        return [
            path(
                "<int:pk>/document/<slug:kind>/",
                self.admin_site.admin_view(self.document_view),
                name="formation_founding_document",
            ),
            path(
                "<int:pk>/scan/<slug:kind>/",
                self.admin_site.admin_view(self.scan_view),
                name="formation_founding_scan",
            ),
        ] + super().get_urls()

    def document_view(self, request, pk, kind):
        founding = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            content, filename = documents.founding_document_pdf(founding, kind)
        except LookupError:
            return self.redirect_change(pk)
        return pdf_response(content, filename)

    def scan_view(self, request, pk, kind):
        founding = get_object_or_404(self.get_queryset(request), pk=pk)
        document = get_object_or_404(FoundingDocument, founding=founding, kind=kind)
        response = HttpResponse(scans.scan_load(document.scan_file), content_type=document.scan_content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{scans.scan_filename(kind, document.scan_content_type)}"'
        )
        response["Cache-Control"] = "no-store"
        return response

    def redirect_change(self, pk):
        return redirect("admin:formation_founding_change", pk)
