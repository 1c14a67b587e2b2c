from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device

from members import services
from security import otp


class BoundedAdminAuthenticationForm(AdminAuthenticationForm):
    """Django's admin login form only hints the username's length to the browser; this one enforces it, before
    the lockout library stores the attempt (a 255-character column)."""

    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=4096, strip=False, widget=forms.PasswordInput)


class UnionHubAdminSite(admin.AdminSite):
    """The admin site; staff who need a second factor get in only with a verified session."""

    login_form = BoundedAdminAuthenticationForm

    def has_permission(self, request):
        return super().has_permission(request) and otp.staff_power(request)

    def _build_app_dict(self, request, label=None):
        # Nobody sees the list of models before the site lets them in (login page, unverified sessions).
        if not self.has_permission(request):
            return {}
        return super()._build_app_dict(request, label)

    def password_change(self, request, extra_context=None):
        """The account's own password change; it ends the obligation set by a reset (members.services)."""

        must_change = request.user.is_authenticated and request.user.must_change_password
        if must_change and request.method == "GET":
            from django.contrib import messages
            from django.utils.translation import gettext

            messages.warning(request, gettext("密码已被管理员重置，请设置一个新密码后继续。"))
        if (
            must_change
            and request.method == "POST"
            and request.POST.get("new_password1")
            and (request.POST.get("new_password1") == request.POST.get("old_password"))
        ):
            from django.contrib import messages
            from django.utils.translation import gettext

            messages.error(request, gettext("新密码不能与管理员设置的密码相同。"))
            return redirect(request.get_full_path())
        response = super().password_change(request, extra_context)
        if must_change and request.method == "POST" and response.status_code == 302:
            services.password_changed_by_owner(request.user)
        return response

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not otp.session_verified(request):
            next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = reverse("admin:index", current_app=self.name)
            target = "security-otp-verify" if user_has_device(user, confirmed=True) else "security-otp-enrol"
            return redirect(f"{reverse(target)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        return super().login(request, extra_context)
