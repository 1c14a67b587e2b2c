"""Admin for the data work: member import with progress, roster and summary exports, the half-yearly review
and the statistics dashboard."""

import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from datawork import export_jobs, exports, imports, review, services, stats
from datawork.models import ExportJob, ImportJob, StatisticsPage, UnionReview
from members import selectors
from members.admin import UnionAdmin
from members.models import Union
from members.scope import ScopedAdminMixin
from security.otp import second_factor_verified
from unionhub.lib import clock
from unionhub.lib.errors import BusinessError, NotInScope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff_or_superuser(request) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or getattr(user, "is_union_staff", False))


class StaffReadOnlyMixin:
    """Pages staff look at and act on through their own views: nothing is added, changed or deleted here."""

    def has_module_permission(self, request):
        return _staff_or_superuser(request)

    def has_view_permission(self, request, obj=None):
        return _staff_or_superuser(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _union_or_404(request, pk) -> Union:
    return get_object_or_404(selectors.union_scope(request.user), pk=pk)


# --- import -----------------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    union = forms.ModelChoiceField(label=_("导入到工会"), queryset=Union.objects.none())
    file = forms.FileField(label=_("会员清单文件（.xlsx 或 .csv）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].queryset = selectors.union_scope(user).filter(accepts_members=True)
        if user.union_id and user.union.accepts_members:
            self.fields["union"].initial = user.union_id


@admin.register(ImportJob)
class ImportJobAdmin(StaffReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "file_name",
        "union",
        "uploaded_by",
        "status",
        "created_count",
        "error_count",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["union", "uploaded_by"]

    @admin.display(description=_("错误行数"))
    def error_count(self, obj):
        return obj.report.get("error_count", 0)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="datawork_importjob_upload"),
            path("template/", view(self.template_view), name="datawork_importjob_template"),
            path("<int:pk>/progress/", view(self.progress_view), name="datawork_importjob_progress"),
            path("<int:pk>/progress.json", view(self.progress_json), name="datawork_importjob_progress_json"),
            path("<int:pk>/report.csv", view(self.report_csv), name="datawork_importjob_report"),
            path("<int:pk>/retry/", view(self.retry_view), name="datawork_importjob_retry"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:datawork_importjob_progress", object_id)

    def upload_view(self, request):
        if not (request.user.is_superuser or request.user.has_perm("members.add_membership")):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > imports.MAX_UPLOAD_BYTES:
                    raise BusinessError("file_too_large", gettext("文件过大（上限 30 MB）。"))
                job = services.import_job_create(
                    union=form.cleaned_data["union"],
                    actor=request.user,
                    file_name=upload.name,
                    data=upload.read(),
                )
            except (BusinessError, NotInScope) as exc:
                form.add_error("file", getattr(exc, "detail", None) or str(exc))
            else:
                return redirect("admin:datawork_importjob_progress", job.pk)
        return TemplateResponse(
            request,
            "admin/datawork/importjob_upload.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "title": _("导入会员清单"),
                "opts": self.model._meta,
                "max_mb": imports.MAX_UPLOAD_BYTES // (1024 * 1024),
            },
        )

    def template_view(self, request):
        out = io.BytesIO()
        imports.template_workbook(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename*=UTF-8''member-import-template.xlsx"
        return response

    def _job(self, request, pk) -> ImportJob:
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def progress_view(self, request, pk):
        job = self._job(request, pk)
        errors = job.report.get("errors", [])
        return TemplateResponse(
            request,
            "admin/datawork/importjob_progress.html",
            {
                **self.admin_site.each_context(request),
                "job": job,
                "title": _("导入会员清单：%(name)s") % {"name": job.file_name},
                "opts": self.model._meta,
                "progress": imports.import_job_progress(job),
                "errors": errors,
                "more_errors": max(job.report.get("error_count", 0) - len(errors), 0),
            },
        )

    def progress_json(self, request, pk):
        return JsonResponse(imports.import_job_progress(self._job(request, pk)))

    def retry_view(self, request, pk):
        """Submit a job interrupted for good once more, from its kept upload (POST)."""
        job = self._job(request, pk)
        if request.method != "POST" or not (
            request.user.is_superuser or request.user.has_perm("members.add_membership")
        ):
            raise PermissionDenied
        try:
            imports.import_job_retry(job=job, actor=request.user)
        except BusinessError as exc:
            messages.error(request, exc.detail)
        return redirect("admin:datawork_importjob_progress", job.pk)

    def report_csv(self, request, pk):
        job = self._job(request, pk)
        response = HttpResponse(imports.error_report_csv(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename=import-{job.pk}-errors.csv"
        return response


# --- review and exports -----------------------------------------------------------------------------------


@admin.register(UnionReview)
class UnionReviewAdmin(StaffReadOnlyMixin, UnionAdmin):
    list_display = ["indented_name", "level", "reviewed_at", "review_state", "member_count", "export_links"]
    list_filter = ["level"]
    inlines = []
    actions = ["confirm_reviewed"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if _staff_or_superuser(request):
            actions["confirm_reviewed"] = self.get_action("confirm_reviewed")
        return actions

    @admin.display(description=_("本半年"))
    def review_state(self, obj):
        if review.union_review_due(obj, clock.today()):
            return format_html('<span style="color:#c8102e">{}</span>', _("待确认"))
        return _("已确认")

    @admin.display(description=_("导出"))
    def export_links(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:datawork_unionreview_export", args=[obj.pk, "roster"]),
            _("会员花名册"),
            reverse("admin:datawork_unionreview_export", args=[obj.pk, "summary"]),
            _("组织信息汇总表"),
        )

    @admin.action(description=_("确认资料无误"))
    def confirm_reviewed(self, request, queryset):
        for union in queryset:
            review.union_review_confirm(union_id=union.pk, actor=request.user)
        messages.success(request, _("已确认 %(n)d 个工会的资料。") % {"n": queryset.count()})

    def get_urls(self):
        return [
            path(
                "<int:pk>/export/<str:kind>/",
                self.admin_site.admin_view(self.export_view),
                name="datawork_unionreview_export",
            )
        ] + super().get_urls()

    def export_view(self, request, pk, kind):
        """Request an export. GET shows what will be exported (union, kind, masked or clear) and a form; only its
        POST (CSRF-checked) makes the job in the heavy queue, then the progress page has the download link."""
        union = _union_or_404(request, pk)
        if kind == "roster":
            if not (request.user.is_superuser or request.user.has_perm("members.view_membership")):
                raise PermissionDenied
        elif kind != "summary":
            raise PermissionDenied
        second_factor = second_factor_verified(request)
        if request.method == "POST":
            job = export_jobs.export_job_create(
                actor=request.user,
                union=union,
                kind=kind,
                second_factor=second_factor,
                fmt="csv" if request.POST.get("format") == "csv" else "xlsx",
            )
            return redirect("admin:datawork_exportjob_progress", job.pk)
        return TemplateResponse(
            request,
            "admin/datawork/export_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": ExportJob._meta,
                "union": union,
                "kind_label": ExportJob.Kind(kind).label,
                "clear": kind == ExportJob.Kind.ROSTER and exports.roster_clear(request.user, second_factor),
                "roster": kind == ExportJob.Kind.ROSTER,
                "format": "csv" if request.GET.get("format") == "csv" else "xlsx",
            },
        )


@admin.register(ExportJob)
class ExportJobAdmin(StaffReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A user's own export jobs: progress, and the download link while it is valid."""

    list_display = [
        "kind",
        "union",
        "format",
        "clear",
        "status",
        "row_count",
        "sheets",
        "created_at",
        "expires_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["union"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(requested_by=request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/progress/", view(self.progress_view), name="datawork_exportjob_progress"),
            path("<int:pk>/progress.json", view(self.progress_json), name="datawork_exportjob_progress_json"),
            path("download/<str:token>/", view(self.download_view), name="datawork_exportjob_download"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        return redirect("admin:datawork_exportjob_progress", object_id)

    def _job(self, request, pk) -> ExportJob:
        return get_object_or_404(self.get_queryset(request).select_related("union"), pk=pk)

    def progress_view(self, request, pk):
        job = self._job(request, pk)
        download_url = None
        if job.status == ExportJob.Status.DONE and job.expires_at and job.expires_at > clock.now():
            download_url = reverse(
                "admin:datawork_exportjob_download", args=[export_jobs.export_download_token(job)]
            )
        return TemplateResponse(
            request,
            "admin/datawork/exportjob_progress.html",
            {
                **self.admin_site.each_context(request),
                "job": job,
                "title": _("导出：%(kind)s") % {"kind": job.get_kind_display()},
                "opts": self.model._meta,
                "progress": export_jobs.export_job_progress(job),
                "download_url": download_url,
            },
        )

    def progress_json(self, request, pk):
        return JsonResponse(export_jobs.export_job_progress(self._job(request, pk)))

    def download_view(self, request, token):
        try:
            job, handle = export_jobs.export_download_open(actor=request.user, token=token)
        except NotInScope as exc:
            raise Http404 from exc
        except export_jobs.ExportLinkExpired:
            response = TemplateResponse(
                request,
                "admin/datawork/exportjob_expired.html",
                {**self.admin_site.each_context(request), "title": _("下载链接已过期")},
                status=410,
            )
            return response
        content_type = XLSX if job.format == ExportJob.Format.XLSX else "text/csv; charset=utf-8"
        return FileResponse(handle, as_attachment=True, filename=job.file_name, content_type=content_type)


# --- statistics -------------------------------------------------------------------------------------------


@admin.register(StatisticsPage)
class StatisticsPageAdmin(StaffReadOnlyMixin, admin.ModelAdmin):
    """The dashboard is the changelist; a union's own page only leads back to it (scoped like the dashboard)."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=selectors.union_scope(request.user).values("pk"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        union = _union_or_404(request, object_id) if str(object_id).isdigit() else None
        if union is None:
            raise PermissionDenied
        return redirect(f"{reverse('admin:datawork_statisticspage_changelist')}?union={union.pk}")

    def changelist_view(self, request, extra_context=None):
        if not _staff_or_superuser(request):
            raise PermissionDenied
        scope = selectors.union_scope(request.user)
        chosen = request.GET.get("union")
        if chosen and chosen.isdigit():
            root = get_object_or_404(scope, pk=chosen)
        elif request.user.union_id:
            root = request.user.union
        else:
            root = scope.order_by("depth", "path").first()
        context = {
            **self.admin_site.each_context(request),
            "title": _("统计分析"),
            "opts": self.model._meta,
            "root": root,
            "today": clock.today(),
        }
        if root is not None:
            context["figures"] = stats.dashboard(root, clock.today())
            context["terms_due"] = selectors.union_term_due(
                Union.objects.filter(path__startswith=root.path), today=clock.today()
            )
            base_depth = request.user.union.depth if request.user.union_id else 0
            context["choices"] = scope.filter(depth__lte=base_depth + 2).order_by("path")
        return TemplateResponse(request, "admin/datawork/statistics.html", context)
