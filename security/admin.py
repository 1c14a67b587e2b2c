"""Admin pages of credentials: API tokens, TOTP devices and raw groups are the superuser's only.

Staff get their powers through roles (`members.roles`), never by raw permissions; even a permission granted by
hand does not open these pages. A TOTP secret is never shown after enrolment (`OTP_ADMIN_HIDE_SENSITIVE_DATA`:
no key field on a device's page, no config or QR code page), and token keys are not listed.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from members import selectors as member_selectors
from members.identity import identity_verified_by_label
from members.scope import ReadOnlyInlineMixin, admin_step
from security import claims
from security.models import ClaimState, IdentityClaim, IdentityClaimStep
from unionhub.audit import audit_record
from unionhub.lib.admin_steps import StepButtonsMixin
from unionhub.lib.errors import InvalidTransition, NotInScope


class SuperuserOnlyMixin:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class SuperuserTokenAdmin(SuperuserOnlyMixin, TokenAdmin):
    list_display = ("user", "created")  # a key is a password: not listed, not even to a superuser


class SuperuserTOTPDeviceAdmin(SuperuserOnlyMixin, TOTPDeviceAdmin):
    def get_list_display(self, request):
        return [name for name in super().get_list_display(request) if name != "qrcode_link"]


class SuperuserGroupAdmin(SuperuserOnlyMixin, GroupAdmin):
    pass


for model, model_admin in (
    (TokenProxy, SuperuserTokenAdmin),
    (TOTPDevice, SuperuserTOTPDeviceAdmin),
    (Group, SuperuserGroupAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


class ClaimDecideForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("已核对身份证照片（必要时电话或当面核实）与认领人姓名、身份证号码一致。"),
    )


class ClaimRejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class IdentityClaimStepInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = IdentityClaimStep
    fields = ["at", "transition", "source", "target", "actor_name", "comment"]
    readonly_fields = fields
    verbose_name_plural = _("办理记录（痕迹管理）")

    @admin.display(description=_("经办人"))
    def actor_name(self, obj):
        return member_selectors.actor_label(obj.actor)


@admin.register(IdentityClaim)
class IdentityClaimAdmin(StepButtonsMixin, admin.ModelAdmin):
    """The queue of claims for staff of the union holding the person (the city when none): check the ID card photo,
    then approve (the person moves to the claimant) or reject, through the services in security.claims."""

    steps = {
        "approve": (_("同意认领"), ClaimDecideForm, claims.identity_claim_approve),
        "reject": (_("驳回认领"), ClaimRejectForm, claims.identity_claim_reject),
    }
    change_form_template = "admin/casework/step_change_form.html"
    list_display = [
        "name",
        "id_number_masked",
        "phone_masked",
        "holder_label",
        "union",
        "state",
        "due_at",
        "created_at",
    ]
    list_filter = ["state"]
    search_fields = ["name"]
    list_select_related = ["union", "holder__person"]
    fields = [
        "state",
        "union",
        "due_at",
        "name",
        "id_number_masked",
        "phone_masked",
        "id_card_link",
        "holder_label",
        "created_at",
        "decided_by_name",
        "decided_at",
        "reason",
    ]
    readonly_fields = fields
    inlines = [IdentityClaimStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(claims.claim_scope_q(request.user))

    def has_module_permission(self, request):
        return request.user.is_superuser or getattr(request.user, "is_union_staff", False)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("原绑定账号"))
    def holder_label(self, obj):
        if not obj.holder_id:
            return _("无（工会登记的人员，尚未开通账号）")
        person = getattr(obj.holder, "person", None)
        phone = person.phone_masked if person else ""
        return (
            f"{member_selectors.actor_label(obj.holder)} {phone}（{identity_verified_by_label(obj.holder)}）"
        )

    @admin.display(description=_("审核人"))
    def decided_by_name(self, obj):
        return member_selectors.actor_label(obj.decided_by) if obj.decided_by_id else "-"

    @admin.display(description=_("身份证照片"))
    def id_card_link(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("admin:security_identityclaim_id_card", args=[obj.pk]),
            _("查看身份证照片"),
        )

    def step_names(self, request, obj) -> list[str]:
        if obj.state == ClaimState.SUBMITTED and self.has_change_permission(request, obj):
            return list(self.steps)
        return []

    def get_urls(self):
        return [
            path(
                "<int:pk>/id-card/",
                self.admin_site.admin_view(self.id_card_view),
                name="security_identityclaim_id_card",
            ),
            path(
                "<int:pk>/step/<str:name>/",
                self.admin_site.admin_view(self.step_view),
                name="security_identityclaim_step",
            ),
        ] + super().get_urls()

    def id_card_view(self, request, pk):
        claim = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, claim):
            raise Http404
        audit_record(actor=request.user, action="identity_claim.id_card_viewed", obj=claim)
        response = HttpResponse(claims.id_card_load(claim), content_type=claim.id_card_content_type)
        response["Content-Disposition"] = f'inline; filename="{claims.id_card_filename(claim)}"'
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def step_view(self, request, pk, name):
        claim = get_object_or_404(self.get_queryset(request), pk=pk)
        change_url = reverse("admin:security_identityclaim_change", args=[pk])
        if name not in self.steps or not self.has_change_permission(request, claim):
            return redirect(change_url)
        label, form_class, service = self.steps[name]
        return admin_step(
            self,
            request,
            obj=claim,
            form=form_class(request.POST or None),
            label=label,
            done_url=change_url,
            run=lambda **data: service(claim_id=claim.pk, actor=request.user, **data),
            refusals={
                NotInScope: _("无权办理该认领申请。"),
                InvalidTransition: _("该认领申请已处理。"),
            },
        )
