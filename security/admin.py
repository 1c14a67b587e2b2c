"""Admin pages of credentials: API tokens, TOTP devices and raw groups are the superuser's only.

Staff get their powers through roles (`members.roles`), never by raw permissions; even a permission granted by
hand does not open these pages. A TOTP secret is never shown after enrolment (`OTP_ADMIN_HIDE_SENSITIVE_DATA`:
no key field on a device's page, no config or QR code page), and token keys are not listed.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy


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
