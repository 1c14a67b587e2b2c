"""Staff password reset by e-mail link (SPEC §9 recovery, the staff half): Django's password-reset views and
token generator, for active staff accounts with an e-mail only. Every address typed gets the same answer
(no enumeration); asking is limited per client address and per e-mail typed; everything is audited.

After the owner sets a new password through the link: the account's sessions and API tokens end, its axes
lockout is cleared, a "must change password" mark from an admin's reset is lifted (the owner chose this one),
and nobody is logged in: the next login still asks for the second factor (security.otp)."""

import logging
from functools import partial
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.shortcuts import render
from django.urls import path, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_ratelimit.core import is_ratelimited

from members.models import User
from members.services import password_changed_by_owner
from security.lockout import lockout_clear
from security.sessions import account_sign_out_everywhere
from unionhub.audit import audit_record
from unionhub.lib.client_ip import ratelimit_key

log = logging.getLogger(__name__)


@transaction.atomic
def staff_password_reset_complete(*, user: User) -> None:
    """The owner set a new password through an e-mailed link (the password is already saved)."""
    sessions, tokens = account_sign_out_everywhere(user)
    lockout_clear(user)
    password_changed_by_owner(user)
    audit_record(
        actor=user, action="staff_password_reset_by_email", obj=user, sessions=sessions, tokens=tokens
    )
    log.info("staff password reset by e-mail link for account %s", user.pk)


class StaffPasswordResetForm(PasswordResetForm):
    subject_template_name = "security/staff_password_reset_subject.txt"
    email_template_name = "security/staff_password_reset_email.txt"

    def get_users(self, email):
        """Active staff accounts with this e-mail (Django's default would also reach members)."""
        users = User.objects.filter(email__iexact=email, is_active=True, is_staff=True)
        return (u for u in users if u.email.lower() == email.lower())

    def save(self, *, request=None, use_https=False, domain_override=None, **kwargs):
        """Queue the link for each account found, after commit: the answer takes the same time either way, and
        the token is made by the worker, so no link passes through the broker."""
        found = list(self.get_users(self.cleaned_data["email"]))
        site = urlsplit(settings.SITE_URL) if settings.SITE_URL else None
        domain = site.netloc if site else (domain_override or request.get_host())
        https = site.scheme == "https" if site else use_https
        for user in found:
            audit_record(actor=None, action="staff_password_reset_link_sent", obj=user)
            transaction.on_commit(partial(staff_password_reset_mail_task.delay, user.pk, domain, https))
        if not found:
            audit_record(actor=None, action="staff_password_reset_unknown_address")


def staff_password_reset_mail(*, user: User, domain: str, use_https: bool) -> None:
    """Send the reset link to an active staff account (a fresh token: it ends with the next password change)."""
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    form = StaffPasswordResetForm()
    form.send_mail(form.subject_template_name, form.email_template_name, context, None, user.email)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def staff_password_reset_mail_task(user_id: int, domain: str, use_https: bool) -> None:
    user = User.objects.filter(pk=user_id, is_active=True, is_staff=True).exclude(email="").first()
    if user is not None:
        staff_password_reset_mail(user=user, domain=domain, use_https=use_https)


def _too_many(request) -> bool:
    rate = settings.STAFF_PASSWORD_RESET_RATE
    by_address = is_ratelimited(
        request, group="staff-password-reset", key=ratelimit_key, rate=rate, method="POST", increment=True
    )
    by_email = is_ratelimited(
        request,
        group="staff-password-reset-email",
        key=lambda group, req: (req.POST.get("email") or "").strip().lower(),
        rate=rate,
        method="POST",
        increment=True,
    )
    return by_address or by_email


class StaffPasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    template_name = "security/staff_password_reset_form.html"
    success_url = reverse_lazy("staff-password-reset-done")

    def post(self, request, *args, **kwargs):
        if _too_many(request):
            return render(request, "security/staff_password_reset_throttled.html", status=429)
        return super().post(request, *args, **kwargs)


class StaffPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "security/staff_password_reset_confirm.html"
    success_url = reverse_lazy("staff-password-reset-complete")
    post_reset_login = False  # the next login asks for the second factor, as always

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active and user.is_staff else None

    def form_valid(self, form):
        response = super().form_valid(form)
        staff_password_reset_complete(user=form.user)
        return response


urlpatterns = [
    path("staff/password-reset/", StaffPasswordResetView.as_view(), name="staff-password-reset"),
    path(
        "staff/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="security/staff_password_reset_done.html"),
        name="staff-password-reset-done",
    ),
    path(
        "staff/password-reset/<uidb64>/<token>/",
        StaffPasswordResetConfirmView.as_view(),
        name="staff-password-reset-confirm",
    ),
    path(
        "staff/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="security/staff_password_reset_complete.html"
        ),
        name="staff-password-reset-complete",
    ),
]
