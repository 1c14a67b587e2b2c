"""Admin for the data work: member import with progress, roster and summary exports, the half-yearly review,
the statistics dashboard, and the union upkeep form (real-name fields, employer unit, three committees)."""

import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members import exports, imports, selectors, services_data, stats
from members.admin import UnionAdmin
from members.models import EmployerUnit, ImportJob, StatisticsPage, Union, UnionReview
from unionhub import clock, creditcode
from unionhub.admin_scope import ScopedAdminMixin
from unionhub.audit import audit_record
from unionhub.errors import BusinessError, NotInScope

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
    list_display = ["file_name", "union", "uploaded_by", "status", "created_count", "error_count", "created_at"]
    list_filter = ["status"]
    list_select_related = ["union", "uploaded_by"]

    @admin.display(description=_("错误行数"))
    def error_count(self, obj):
        return obj.report.get("error_count", 0)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="members_importjob_upload"),
            path("template/", view(self.template_view), name="members_importjob_template"),
            path("<int:pk>/progress/", view(self.progress_view), name="members_importjob_progress"),
            path("<int:pk>/progress.json", view(self.progress_json), name="members_importjob_progress_json"),
            path("<int:pk>/report.csv", view(self.report_csv), name="members_importjob_report"),
            path("<int:pk>/retry/", view(self.retry_view), name="members_importjob_retry"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:members_importjob_progress", object_id)

    def upload_view(self, request):
        if not (request.user.is_superuser or request.user.has_perm("members.add_membership")):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > imports.MAX_UPLOAD_BYTES:
                    raise BusinessError("file_too_large", gettext("文件过大（上限 30 MB）。"))
                job = imports.import_job_create(union=form.cleaned_data["union"], actor=request.user,
                                                file_name=upload.name, data=upload.read())
            except (BusinessError, NotInScope) as exc:
                form.add_error("file", getattr(exc, "detail", None) or str(exc))
            else:
                return redirect("admin:members_importjob_progress", job.pk)
        return TemplateResponse(request, "admin/members/importjob_upload.html", {
            **self.admin_site.each_context(request), "form": form, "title": _("导入会员清单"),
            "opts": self.model._meta, "max_mb": imports.MAX_UPLOAD_BYTES // (1024 * 1024),
        })

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
        return TemplateResponse(request, "admin/members/importjob_progress.html", {
            **self.admin_site.each_context(request), "job": job, "title": _("导入会员清单：%(name)s") % {
                "name": job.file_name}, "opts": self.model._meta, "progress": imports.import_job_progress(job),
            "errors": errors, "more_errors": max(job.report.get("error_count", 0) - len(errors), 0),
        })

    def progress_json(self, request, pk):
        return JsonResponse(imports.import_job_progress(self._job(request, pk)))

    def retry_view(self, request, pk):
        """Submit a job interrupted for good once more, from its kept upload (POST)."""
        job = self._job(request, pk)
        if request.method != "POST" or not (request.user.is_superuser
                                            or request.user.has_perm("members.add_membership")):
            raise PermissionDenied
        try:
            imports.import_job_retry(job=job, actor=request.user)
        except BusinessError as exc:
            messages.error(request, exc.detail)
        return redirect("admin:members_importjob_progress", job.pk)

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
        if services_data.union_review_due(obj, clock.today()):
            return format_html('<span style="color:#c8102e">{}</span>', _("待确认"))
        return _("已确认")

    @admin.display(description=_("导出"))
    def export_links(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:members_unionreview_export", args=[obj.pk, "roster"]), _("会员花名册"),
            reverse("admin:members_unionreview_export", args=[obj.pk, "summary"]), _("组织信息汇总表"))

    @admin.action(description=_("确认资料无误"))
    def confirm_reviewed(self, request, queryset):
        for union in queryset:
            services_data.union_review_confirm(union_id=union.pk, actor=request.user)
        messages.success(request, _("已确认 %(n)d 个工会的资料。") % {"n": queryset.count()})

    def get_urls(self):
        return [path("<int:pk>/export/<str:kind>/", self.admin_site.admin_view(self.export_view),
                     name="members_unionreview_export")] + super().get_urls()

    def export_view(self, request, pk, kind):
        union = _union_or_404(request, pk)
        if kind == "roster":
            if not (request.user.is_superuser or request.user.has_perm("members.view_membership")):
                raise PermissionDenied
            from security.otp import second_factor_verified

            out, _count = exports.roster_export(actor=request.user, union=union,
                                                second_factor=second_factor_verified(request))
            name = f"roster-{union.code}-{clock.today():%Y%m%d}.xlsx"
        elif kind == "summary":
            out, _count = exports.summary_export(actor=request.user, union=union)
            name = f"union-summary-{union.code}-{clock.today():%Y%m%d}.xlsx"
        else:
            raise PermissionDenied
        return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


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
        return redirect(f"{reverse('admin:members_statisticspage_changelist')}?union={union.pk}")

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
        context = {**self.admin_site.each_context(request), "title": _("统计分析"), "opts": self.model._meta,
                   "root": root, "today": clock.today()}
        if root is not None:
            context["figures"] = stats.dashboard(root, clock.today())
            base_depth = request.user.union.depth if request.user.union_id else 0
            context["choices"] = scope.filter(depth__lte=base_depth + 2).order_by("path")
        return TemplateResponse(request, "admin/members/statistics.html", context)


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
    employer_nature = forms.CharField(label=_("单位性质"), max_length=40, required=False,
                                      help_text=_("党政机关、事业单位、国有经济、集体经济、私营经济、股份制、外商投资、"
                                                  "港澳台投资等"))
    employer_address = forms.CharField(label=_("单位地址"), max_length=200, required=False)
    employer_worker_count = forms.IntegerField(label=_("职工人数"), min_value=0, required=False)

    class Meta:
        model = Union
        fields = ["name", "code", "level", "parent", "accepts_members", "is_reservoir", "union_type", "phone",
                  "region", "address", "leader_name", "founded_on", "term"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
        (None, {"fields": ["name", "code", "level", "parent", "accepts_members", "is_reservoir", "union_type"]}),
        (_("联系方式"), {"fields": ["phone", "region", "address", "leader_name"]}),
        (_("组织信息"), {"fields": ["founded_on", "term", "reviewed_at"]}),
        (_("所在单位"), {"fields": list(EMPLOYER_FIELDS)}),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        union = self.get_object(request, object_id)
        warning = selectors.contact_missing_warning(union) if union is not None else None
        if warning and request.method == "GET":
            messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["reviewed_at"]
        if not request.user.is_superuser and obj is not None:
            # the place in the tree is kept by the unions above; staff keep the union's own data
            readonly += UPKEEP_STRUCTURE_FIELDS
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


admin.site.unregister(Union)
admin.site.register(Union, UnionUpkeepAdmin)
