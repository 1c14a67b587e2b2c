"""Admin of the dues ledger: orders and payments, refunds to handle, the arrears report, rates, payroll import
and unit-paid bulk payments. Every list is limited to the staff user's union subtree."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dues import imports, services
from dues.models import (
    ArrearsEntry,
    DuesRate,
    PaidMonth,
    PaymentNotification,
    PaymentOrder,
    RefundPendingOrder,
)
from dues.receipts import receipt_pdf
from members import selectors as member_selectors
from members.models import DuesMode, Membership, MembershipStatus, UnionLevel
from members.scope import ScopedAdminMixin
from unionhub.lib import clock, months, pdf
from unionhub.lib.errors import BusinessError


def _is_city(user) -> bool:
    return user.is_superuser or (user.is_union_staff and user.union.level == UnionLevel.CITY)


@admin.register(DuesRate)
class DuesRateAdmin(admin.ModelAdmin):
    list_display = ["year", "monthly_amount"]

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.is_union_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or request.user.is_union_staff

    def has_add_permission(self, request):
        return _is_city(request.user)

    def has_change_permission(self, request, obj=None):
        return _is_city(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class LedgerReadOnlyMixin:
    """Ledger rows are written by services only: the admin lists and shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("会员"), ordering="membership__member_no")
    def member(self, obj):
        return f"{obj.membership.person.name}（{obj.membership.member_no}）"

    @admin.display(description=_("工会"))
    def union(self, obj):
        return obj.membership.union.name


class UnionFilter(admin.SimpleListFilter):
    title = _("工会")
    parameter_name = "union"
    union_lookup = "membership__union"

    def lookups(self, request, model_admin):
        return [(u.pk, u.name) for u in member_selectors.union_scope(request.user).order_by("path")[:300]]

    def queryset(self, request, queryset):
        if self.value():
            union = member_selectors.union_scope(request.user).filter(pk=self.value()).first()
            if union is None:
                return queryset.none()
            return queryset.filter(**{f"{self.union_lookup}__path__startswith": union.path})
        return queryset


class CoveredMonthFilter(admin.SimpleListFilter):
    title = _("缴费月份")
    parameter_name = "month"

    def lookups(self, request, model_admin):
        current = months.month_of(clock.today())
        return [
            (months.format_month(m), months.format_month(m))
            for m in (months.add_months(current, -i) for i in range(0, 24))
        ]

    def queryset(self, request, queryset):
        if self.value():
            try:
                month = months.parse_month(self.value())
            except ValueError:
                return queryset.none()
            return queryset.filter(first_month__lte=month, last_month__gte=month)
        return queryset


class OrderAdminBase(LedgerReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    union_field = "membership__union"
    list_display = [
        "order_no",
        "member",
        "union",
        "period",
        "total_amount",
        "status",
        "provider",
        "paid_time",
        "receipt",
    ]
    list_filter = ["status", "provider", "channel", "year", UnionFilter, CoveredMonthFilter]
    search_fields = [
        "order_no",
        "receipt_no",
        "transaction_id",
        "membership__member_no",
        "membership__person__name",
    ]
    list_select_related = ["membership__person", "membership__union"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in PaymentOrder._meta.fields]

    class Media:
        css = {"all": ["dues/admin.css"]}

    def get_list_display(self, request):
        """The union column only for staff with more than one union in scope."""
        union = None if request.user.is_superuser else request.user.union
        if union is not None and not union.children.exists():
            return [column for column in self.list_display if column != "union"]
        return self.list_display

    @admin.display(description=_("支付时间"), ordering="paid_at")
    def paid_time(self, obj):
        if not obj.paid_at:
            return "-"
        paid = timezone.localtime(obj.paid_at)
        return format_html(
            '<time datetime="{}">{}<br><span class="order-months">{}</span></time>',
            paid.isoformat(),
            paid.strftime("%Y-%m-%d"),
            paid.strftime("%H:%M:%S"),
        )

    @admin.display(description=_("月份"), ordering="first_month")
    def period(self, obj):
        return format_html(
            '{}<br><span class="order-months">{}</span>',
            obj.period_label,
            ngettext("%(n)s 个月", "%(n)s 个月", obj.months_count) % {"n": obj.months_count},
        )

    @admin.display(description=_("收据"))
    def receipt(self, obj):
        if not obj.receipt_no:
            return "-"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:dues_paymentorder_receipt", args=[obj.pk]), obj.receipt_no
        )


@admin.register(PaymentOrder)
class PaymentOrderAdmin(OrderAdminBase):
    def get_urls(self):
        return [
            path(
                "<int:pk>/receipt.pdf",
                self.admin_site.admin_view(self.receipt_view),
                name="dues_paymentorder_receipt",
            ),
            path(
                "unit-payment/",
                self.admin_site.admin_view(self.unit_payment_view),
                name="dues_paymentorder_unit_payment",
            ),
        ] + super().get_urls()

    def receipt_view(self, request, pk):
        order = self.get_queryset(request).filter(pk=pk, receipt_no__isnull=False).first()
        if order is None:
            from django.http import Http404

            raise Http404
        return pdf.pdf_response(receipt_pdf(order), f"会费收据-{order.receipt_no}.pdf")

    def unit_payment_view(self, request):
        if not request.user.has_perm("dues.add_paymentorder"):
            raise PermissionDenied
        form = UnitPaymentForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                orders = services.unit_payment_record(
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    membership_ids=[m.pk for m in form.cleaned_data["memberships"]],
                    note=form.cleaned_data["note"],
                )
            except BusinessError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(
                    request, _("已为%(n)s名会员记录单位统一缴费。") % {"n": len(orders)}, messages.SUCCESS
                )
                return redirect("admin:dues_paymentorder_changelist")
        return TemplateResponse(
            request,
            "admin/dues/form.html",
            {
                **self.admin_site.each_context(request),
                "title": _("单位统一缴纳会费"),
                "form": form,
                "multipart": False,
                "opts": self.model._meta,
            },
        )


@admin.register(RefundPendingOrder)
class RefundPendingOrderAdmin(OrderAdminBase):
    """Payments that arrived for months already paid: to be refunded by hand, then marked done here."""

    actions = ["mark_refunded"]
    list_filter = [UnionFilter, "provider"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=PaymentOrder.Status.REFUND_PENDING)

    @admin.action(description=_("标记为已退款"))
    def mark_refunded(self, request, queryset):
        for order in queryset:
            services.refund_mark_done(order_id=order.pk, actor=request.user)
        self.message_user(request, _("已处理。"), messages.SUCCESS)


class UnitPaymentForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    memberships = forms.ModelMultipleChoiceField(
        label=_("会员"), queryset=Membership.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = clock.today().year
        self.fields["memberships"].queryset = (
            Membership.objects.filter(
                member_selectors.scope_filter(user, "union"),
                dues_mode=DuesMode.UNIT_PAID,
                status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED],
            )
            .select_related("person", "union")
            .order_by("union__path", "member_no")
        )
        self.fields["memberships"].label_from_instance = lambda m: (
            f"{m.member_no} {m.person.name}（{m.union.name}）"
        )


class PayrollImportForm(forms.Form):
    file = forms.FileField(label=_("工资代扣文件（xlsx 或 csv：身份证号码、年、月、金额）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只接受 xlsx 或 csv 文件。"))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 20 MB。"))
        return upload


@admin.register(PaidMonth)
class PaidMonthAdmin(LedgerReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    union_field = "membership__union"
    list_display = ["month_label", "member", "amount", "source", "payment"]
    list_filter = ["source", "month"]
    search_fields = ["membership__member_no", "membership__person__name"]
    list_select_related = ["membership__person", "payment"]
    readonly_fields = ["membership", "month", "amount", "source", "payment"]

    @admin.display(description=_("月份"), ordering="month")
    def month_label(self, obj):
        return months.format_month(obj.month)

    def get_urls(self):
        return [
            path(
                "payroll-import/",
                self.admin_site.admin_view(self.payroll_import_view),
                name="dues_paidmonth_payroll_import",
            )
        ] + super().get_urls()

    def payroll_import_view(self, request):
        if not request.user.has_perm("dues.add_paidmonth"):
            raise PermissionDenied
        form = PayrollImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = imports.read_rows(upload.name, upload.read())
            except Exception:  # an unreadable workbook is the user's file, not our error
                form.add_error("file", _("无法读取该文件。"))
            else:
                report = imports.payroll_import(actor=request.user, rows=rows)
        return TemplateResponse(
            request,
            "admin/dues/form.html",
            {
                **self.admin_site.each_context(request),
                "title": _("导入工资代扣"),
                "form": form,
                "report": report,
                "multipart": True,
                "opts": self.model._meta,
            },
        )


@admin.register(ArrearsEntry)
class ArrearsEntryAdmin(LedgerReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    union_field = "membership__union"
    list_display = ["member", "union", "dues_mode", "unpaid_months", "first_unpaid", "action", "as_of"]
    list_filter = ["action", "dues_mode", "unpaid_months"]
    search_fields = ["membership__member_no", "membership__person__name"]
    list_select_related = ["membership__person", "membership__union"]
    readonly_fields = ["membership", "unpaid_months", "first_unpaid_month", "dues_mode", "action", "as_of"]

    @admin.display(description=_("欠费起始月"), ordering="first_unpaid_month")
    def first_unpaid(self, obj):
        return months.format_month(obj.first_unpaid_month)


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(LedgerReadOnlyMixin, admin.ModelAdmin):
    """The raw notification log: city admins and superusers only."""

    list_display = ["received_at", "provider", "order_no", "transaction_id", "verified", "outcome", "reason"]
    list_filter = ["provider", "outcome", "verified"]
    search_fields = ["order_no", "transaction_id"]
    readonly_fields = [f.name for f in PaymentNotification._meta.fields]

    def has_module_permission(self, request):
        return _is_city(request.user)

    def has_view_permission(self, request, obj=None):
        return _is_city(request.user)
