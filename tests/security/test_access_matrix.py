"""Object-level access matrix: every URL pattern of the site, as four kinds of outsider, against another
union's and another person's objects. Nobody reads or changes what is not theirs.

Every URL pattern must be listed in REGISTRY (by name, or by route when unnamed); a new URL fails this test
until it is listed. Admin pages of a registered model are generated from ADMIN_VICTIMS: a new model admin
only needs its victim object there. Adding a URL is one line:

    "api-dues-year": Entry(lambda v: f"/api/v1/me/dues/2025/", public=True),
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ForeignKey
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from applications import services as join_services
from applications.models import JoinApplication
from casework.models import TransitionRecord, WorkdayOverride
from datawork import export_jobs
from datawork.models import ExportJob, ImportJob
from dues.models import ArrearsEntry, DuesRate, PaidMonth, PaymentNotification, PaymentOrder
from formation import services as formation_services
from formation.models import Dissolution, Founding, TermRenewal, UnionFormationCase
from members import roles as staff_roles
from members import selectors as staff_selectors
from members.models import (
    CommitteeMember,
    DuesMode,
    EmployerUnit,
    Membership,
    MembershipEvent,
    Person,
    ProfileChange,
    Union,
    User,
)
from notifications.models import OutboxMessage
from notifications.services import notify
from portal.card import card_token
from security import claims
from security.models import IdentityClaim, WeChatBinding
from tests.applications.conftest import png_bytes, upload
from tests.members import factories as f
from transfers import services as transfer_services
from transfers.models import TransferApplication
from unionhub.lib import private_files
from unionhub.lib.crypto import keyed_hash

DENIED = frozenset({301, 302, 401, 403, 404, 405})  # 301: an old admin address, sent to its new one
# May answer 200 or 400 to an outsider (their own page, a scoped list, a form with errors); what counts there is
# that the body holds nothing of the victim's and that the victim's rows are unchanged. 201: the outsider's own
# application, made through a public "my applications" endpoint. 204: the outsider's own WeChat binding removed.
OPEN = DENIED | {200, 201, 204, 400, 429}
ROLES = ("sibling_staff", "child_staff", "member", "anonymous")
TAMPER = {
    "name": "篡改",
    "leader_name": "篡改",
    "reason": "篡改",
    "status": "withdrawn",
    "dues_mode": "payroll",
    "password": "Tamper-pass-123",
    "password1": "Tamper-pass-123",
    "password2": "Tamper-pass-123",
    "is_superuser": "on",
    "is_staff": "on",
    "confirmed": "on",
    "post": "yes",
    "token": "123456",
    "csrfmiddlewaretoken": "x",
}


@dataclass
class Entry:
    """urls: victim world -> one URL or a list of URLs or (URL, methods); data: extra POST fields."""

    urls: Callable
    methods: tuple = ("GET",)
    public: bool = False
    data: Callable = field(default=lambda v: {})


def tamper(v) -> dict:
    return {
        **TAMPER,
        "union": v.union.pk,
        "parent": v.union.pk,
        "person": v.person.pk,
        "membership": v.membership.pk,
        "user": v.staff_user.pk,
        "employer": v.employer.pk,
        "username": v.staff_user.username,
    }


GET, GET_POST, POST = ("GET",), ("GET", "POST"), ("POST",)

REGISTRY: dict[str, Entry] = {
    # member pages
    "member-home": Entry(lambda v: "/", public=True),
    # old admin addresses of models that moved app: a redirect to the new address, which is checked on its own
    "^admin/(?P<old>members/importjob|members/unionreview|members/statisticspage|applications/workdayoverride|"
    "transfers/unionformationcase)/(?P<rest>.*)$": Entry(
        lambda v: [
            f"/admin/members/importjob/{v.import_job.pk}/progress.json",
            f"/admin/transfers/unionformationcase/{v.case.pk}/",
            "/admin/applications/workdayoverride/",
        ]
    ),
    "member-register": Entry(lambda v: "/register/", GET_POST, public=True),
    "member-activate": Entry(
        lambda v: "/activate/",
        GET_POST,
        public=True,
        data=lambda v: {"id_number": v.person.id_number, "phone": v.person.phone, "sms_code": "000000"},
    ),
    "identity-claim": Entry(
        lambda v: "/claim/",
        GET_POST,
        public=True,
        data=lambda v: {"id_number": v.person.id_number, "phone": v.person.phone, "sms_code": "000000"},
    ),
    "password-forgot": Entry(
        lambda v: "/password/forgot/",
        GET_POST,
        public=True,
        data=lambda v: {"phone": v.person.phone, "sms_code": "000000", "new_password": "Taken-over-123"},
    ),
    "member-sms-login": Entry(
        lambda v: "/login/code/",
        GET_POST,
        public=True,
        data=lambda v: {"phone": v.person.phone, "sms_code": "000000"},
    ),
    "member-login": Entry(
        lambda v: "/login/",
        GET_POST,
        public=True,
        data=lambda v: {"username": v.person.phone, "password": "wrong-password-1"},
    ),
    "member-logout": Entry(lambda v: "/logout/", POST, public=True),
    "set_language": Entry(lambda v: "/i18n/setlang/", POST, public=True, data=lambda v: {"language": "en"}),
    "security-otp-enrol": Entry(lambda v: reverse("security-otp-enrol"), GET_POST, public=True),
    "security-otp-verify": Entry(lambda v: reverse("security-otp-verify"), GET_POST, public=True),
    "sso-login": Entry(lambda v: "/sso/login/", public=True),
    "sso-callback": Entry(lambda v: ["/sso/callback/", "/sso/callback/?code=x&state=y"], public=True),
    "staff-password-reset": Entry(lambda v: "/staff/password-reset/", GET_POST, public=True),
    "staff-password-reset-done": Entry(lambda v: "/staff/password-reset/sent/", public=True),
    "staff-password-reset-confirm": Entry(
        lambda v: (
            f"/staff/password-reset/{urlsafe_base64_encode(force_bytes(v.staff_user.pk))}/set-password/"
        ),
        GET_POST,
        public=True,
    ),
    "staff-password-reset-complete": Entry(lambda v: "/staff/password-reset/done/", public=True),
    "security-wechat": Entry(lambda v: "/account/wechat/", GET_POST, public=True),
    "security-wechat-oauth-callback": Entry(
        lambda v: f"/wechat/oauth/callback/?code=c&state=s{v.person.pk}", public=True
    ),
    # API
    "api-register": Entry(lambda v: "/api/v1/auth/register/", POST, public=True),
    "api-activate": Entry(
        lambda v: "/api/v1/auth/activate/",
        POST,
        public=True,
        data=lambda v: {
            "id_number": v.person.id_number,
            "phone": v.person.phone,
            "sms_code": "000000",
            "password": "Taken-over-123",
        },
    ),
    "api-claims": Entry(
        lambda v: "/api/v1/auth/claims/",
        POST,
        public=True,
        data=lambda v: {"id_number": v.person.id_number, "phone": v.person.phone, "sms_code": "000000"},
    ),
    # claims of an ID number, decided by staff of the union holding the person
    "admin:security_identityclaim_id_card": Entry(
        lambda v: reverse("admin:security_identityclaim_id_card", args=[v.claim.pk])
    ),
    "admin:security_identityclaim_step": Entry(
        lambda v: [
            reverse("admin:security_identityclaim_step", args=[v.claim.pk, n]) for n in ("approve", "reject")
        ],
        GET_POST,
        data=lambda v: {"reason": "篡改", "comment": "篡改"},
    ),
    "api-token": Entry(
        lambda v: "/api/v1/auth/token/",
        POST,
        public=True,
        data=lambda v: {"username": v.person.id_number, "password": "wrong-password-1"},
    ),
    "api-sms-codes": Entry(lambda v: "/api/v1/auth/sms-codes/", POST, public=True),
    "api-password-reset": Entry(
        lambda v: "/api/v1/auth/password-reset/",
        POST,
        public=True,
        data=lambda v: {"phone": v.person.phone, "sms_code": "000000", "new_password": "Taken-over-123"},
    ),
    "api-sms-login": Entry(
        lambda v: "/api/v1/auth/sms-login/",
        POST,
        public=True,
        data=lambda v: {"phone": v.person.phone, "sms_code": "000000"},
    ),
    "api-me": Entry(lambda v: "/api/v1/me/", ("GET", "PUT", "PATCH", "POST"), public=True),
    "api-wechat-miniprogram-login": Entry(
        lambda v: "/api/v1/auth/wechat/miniprogram/", POST, public=True, data=lambda v: {"code": "any-code"}
    ),
    "api-wechat-bind": Entry(
        lambda v: "/api/v1/auth/wechat/bind/",
        POST,
        public=True,
        data=lambda v: {"bind_ticket": "forged", "phone": v.person.phone, "password": "wrong-password-1"},
    ),
    "api-me-wechat": Entry(lambda v: "/api/v1/me/wechat/", ("GET", "DELETE"), public=True),
    "api-unions": Entry(
        lambda v: [f"/api/v1/unions/?search={v.union.name}", "/api/v1/unions/"],
        GET_POST,
        public=True,
        data=lambda v: {"name": "篡改", "code": "T-1", "level": "branch", "parent": v.union.pk},
    ),
    "api-staff-create": Entry(
        lambda v: "/api/v1/staff/",
        POST,
        public=True,
        data=lambda v: {
            "username": "tamper1",
            "password": "Tamper-pass-123",
            "union": v.union.pk,
            "is_union_admin": True,
        },
    ),
    "api-memberships": Entry(
        lambda v: [
            f"/api/v1/memberships/?union={v.union.pk}",
            "/api/v1/memberships/",
            f"/api/v1/memberships/?search={v.person.name}",
        ],
        public=True,
    ),
    **{
        f"api-membership-{name}": Entry(
            lambda v, name=name: f"/api/v1/memberships/{v.membership.pk}/{name}/",
            ("GET", "POST"),
            data=lambda v: {"reason": "retired"},
        )
        for name in ("retain", "restore", "withdraw", "expel", "reinstate", "move-out")
    },
    "api-stats": Entry(lambda v: "/api/v1/stats/", public=True),  # each caller's own union only
    "api-stats-union": Entry(lambda v: f"/api/v1/stats/unions/{v.union.pk}/"),
    "api-schema": Entry(lambda v: "/api/v1/schema/", public=True),
    "api-docs": Entry(lambda v: "/api/v1/docs/", public=True),
    # admin site pages
    "admin:index": Entry(lambda v: "/admin/", public=True),
    "admin:login": Entry(
        lambda v: "/admin/login/",
        GET_POST,
        public=True,
        data=lambda v: {"username": v.staff_user.username, "password": "wrong-password-1"},
    ),
    "admin:logout": Entry(lambda v: "/admin/logout/", POST, public=True),
    "admin:password_change": Entry(lambda v: "/admin/password_change/", GET_POST, public=True),
    "admin:password_change_done": Entry(lambda v: "/admin/password_change/done/", public=True),
    "admin:jsi18n": Entry(lambda v: "/admin/jsi18n/", public=True),
    "admin:app_list": Entry(
        lambda v: [
            f"/admin/{app}/"
            for app in ("members", "auth", "axes", "otp_totp", "applications", "transfers", "dues")
        ],
        public=True,
    ),
    "admin:view_on_site": Entry(
        lambda v: [
            f"/admin/r/{ContentType.objects.get_for_model(obj).pk}/{obj.pk}/"
            for obj in (v.person, v.membership, v.union, v.staff_user)
        ]
    ),
    "admin:autocomplete": Entry(lambda v: autocomplete_urls(v), public=True),
    "admin/(?P<url>.*)$": Entry(lambda v: f"/admin/members/person/{v.person.pk}/nothing/"),
    # admin views added by our model admins
    "admin:members_person_reveal": Entry(
        lambda v: [
            reverse("admin:members_person_reveal", args=[v.person.pk, n]) for n in ("id_number", "phone")
        ]
    ),
    "admin:members_person_search": Entry(
        lambda v: reverse("admin:members_person_search"),
        GET_POST,
        public=True,
        data=lambda v: {"q": v.person.id_number},
    ),
    "admin:members_membership_transition": Entry(
        lambda v: [
            reverse("admin:members_membership_transition", args=[v.membership.pk, n])
            for n in ("retain", "withdraw", "expel")
        ],
        GET_POST,
        data=lambda v: {"reason": "retired"},
    ),
    "admin:auth_user_password_change": Entry(
        lambda v: reverse("admin:auth_user_password_change", args=[v.staff_user.pk]), GET_POST
    ),
    "admin:otp_totp_totpdevice_config": Entry(
        lambda v: reverse("admin:otp_totp_totpdevice_config", args=[v.device.pk])
    ),
    "admin:otp_totp_totpdevice_qrcode": Entry(
        lambda v: reverse("admin:otp_totp_totpdevice_qrcode", args=[v.device.pk])
    ),
    # the member's own corner: card, messages, profile
    "api-health": Entry(lambda v: "/api/v1/health/", public=True),
    # operations: probes, and metrics (address-restricted: the test client's 127.0.0.1 is allowed by default)
    "health-live": Entry(lambda v: "/health/live/", public=True),
    "health-ready": Entry(lambda v: "/health/ready/?format=json", public=True),
    "metrics": Entry(lambda v: "/metrics", public=True),
    "member-card": Entry(lambda v: "/card/", public=True),
    "member-card-activate": Entry(
        lambda v: "/card/activate/", GET_POST, public=True, data=lambda v: {"id_number": v.person.id_number}
    ),
    # a card link is its own capability: a forged one for the victim's card, and the victim's real one (card off)
    "member-card-verify": Entry(
        lambda v: [
            reverse("member-card-verify", args=[forged_card_token(v)]),
            reverse("member-card-verify", args=[card_token(v.membership)]),
        ],
        public=True,
    ),
    "member-inbox": Entry(lambda v: "/messages/", public=True),
    "member-inbox-read-all": Entry(lambda v: "/messages/read-all/", POST, public=True),
    "member-inbox-read": Entry(lambda v: f"/messages/{v.message.pk}/read/", GET_POST),
    "member-profile": Entry(lambda v: "/profile/", GET_POST, public=True, data=lambda v: {"address": "篡改"}),
    "api-me-messages": Entry(lambda v: "/api/v1/me/messages/", public=True),
    "api-me-messages-read-all": Entry(lambda v: "/api/v1/me/messages/read-all/", POST, public=True),
    "api-me-message-read": Entry(lambda v: f"/api/v1/me/messages/{v.message.pk}/read/", GET_POST),
    "api-me-profile": Entry(
        lambda v: "/api/v1/me/profile/",
        ("GET", "PATCH", "PUT", "POST"),
        public=True,
        data=lambda v: {"address": "篡改"},
    ),
    "api-me-card": Entry(lambda v: "/api/v1/me/card/", GET_POST, public=True),
    # join applications
    "join-apply": Entry(lambda v: "/join/", GET_POST, public=True),
    "join-detail": Entry(lambda v: f"/join/{v.join_app.pk}/"),
    "join-withdraw": Entry(lambda v: f"/join/{v.join_app.pk}/withdraw/", GET_POST),
    "join-proof": Entry(lambda v: f"/join/{v.join_app.pk}/proof/"),
    "join-document": Entry(
        lambda v: [f"/join/{v.join_app.pk}/{kind}.pdf" for kind in ("application-form", "registration-form")]
    ),
    "api-my-join-applications": Entry(
        lambda v: "/api/v1/me/join-applications/",
        GET_POST,
        public=True,
        data=lambda v: {"unit_name": "篡改", "employment_type": "staff"},
    ),
    "api-my-join-application": Entry(lambda v: f"/api/v1/me/join-applications/{v.join_app.pk}/"),
    "api-my-join-application-withdraw": Entry(
        lambda v: f"/api/v1/me/join-applications/{v.join_app.pk}/withdraw/", GET_POST
    ),
    "api-join-applications": Entry(
        lambda v: [
            "/api/v1/join-applications/",
            f"/api/v1/join-applications/?state=submitted&union={v.union.pk}",
        ],
        public=True,
    ),
    "api-join-application": Entry(lambda v: f"/api/v1/join-applications/{v.join_app.pk}/"),
    **{
        f"api-join-application-{name}": Entry(
            lambda v, name=name: f"/api/v1/join-applications/{v.join_app.pk}/{name}/",
            GET_POST,
            data=lambda v: {"county": v.union.parent_id, "dues_mode": "self_pay"},
        )
        for name in ("dispatch", "verify", "approve", "reject")
    },
    "admin:applications_joinapplication_document": Entry(
        lambda v: [
            reverse("admin:applications_joinapplication_document", args=[v.join_app.pk, kind])
            for kind in ("application-form", "registration-form")
        ]
    ),
    "admin:applications_joinapplication_proof": Entry(
        lambda v: reverse("admin:applications_joinapplication_proof", args=[v.join_app.pk])
    ),
    "admin:applications_joinapplication_step": Entry(
        lambda v: [
            reverse("admin:applications_joinapplication_step", args=[v.join_app.pk, name])
            for name in ("dispatch", "verify", "approve", "reject")
        ],
        GET_POST,
        data=lambda v: {"county": v.union.parent_id, "dues_mode": "self_pay"},
    ),
    # transfers and union formation
    "transfer-apply": Entry(lambda v: "/transfer/", GET_POST, public=True),
    "transfer-detail": Entry(lambda v: f"/transfer/{v.transfer_app.pk}/"),
    "transfer-withdraw": Entry(lambda v: f"/transfer/{v.transfer_app.pk}/withdraw/", GET_POST),
    "transfer-document": Entry(
        lambda v: [
            f"/transfer/{v.transfer_app.pk}/{kind}.pdf" for kind in ("introduction-letter", "management-card")
        ]
    ),
    "api-my-transfer-applications": Entry(
        lambda v: "/api/v1/me/transfer-applications/",
        GET_POST,
        public=True,
        data=lambda v: {"unit_name": "篡改"},
    ),
    "api-my-transfer-application-withdraw": Entry(
        lambda v: f"/api/v1/me/transfer-applications/{v.transfer_app.pk}/withdraw/", GET_POST
    ),
    "api-transfer-applications": Entry(lambda v: "/api/v1/transfer-applications/", public=True),
    **{
        f"api-transfer-application-{name}": Entry(
            lambda v, name=name: f"/api/v1/transfer-applications/{v.transfer_app.pk}/{name}/",
            GET_POST,
            data=lambda v: {"county": v.union.parent_id},
        )
        for name in ("dispatch", "verify", "approve", "reject")
    },
    "admin:transfers_transferapplication_document": Entry(
        lambda v: [
            reverse("admin:transfers_transferapplication_document", args=[v.transfer_app.pk, kind])
            for kind in ("introduction-letter", "management-card")
        ]
    ),
    "admin:transfers_transferapplication_step": Entry(
        lambda v: [
            reverse("admin:transfers_transferapplication_step", args=[v.transfer_app.pk, name])
            for name in ("dispatch", "verify", "approve", "reject")
        ],
        GET_POST,
        data=lambda v: {"county": v.union.parent_id},
    ),
    "api-union-formation-cases": Entry(lambda v: "/api/v1/union-formation-cases/", public=True),
    **{
        f"api-union-formation-{name}": Entry(
            lambda v, name=name: f"/api/v1/union-formation-cases/{v.case.pk}/{name}/", GET_POST
        )
        for name in ("issue-notice", "establish", "transfer-members", "open-founding")
    },
    # union lifecycle: founding, term renewal, dissolution
    "api-foundings": Entry(lambda v: "/api/v1/foundings/", GET_POST, public=True),
    **{
        f"api-founding-{name}": Entry(
            lambda v, name=name: f"/api/v1/foundings/{v.founding.pk}/{name}/", GET_POST
        )
        for name in ("apply", "request-congress", "report-election", "scans", "approve", "abandon")
    },
    "api-term-renewals": Entry(lambda v: "/api/v1/term-renewals/", GET_POST, public=True),
    "api-term-renewals-due": Entry(lambda v: "/api/v1/term-renewals/due/", public=True),
    **{
        f"api-term-renewal-{name}": Entry(
            lambda v, name=name: f"/api/v1/term-renewals/{v.renewal.pk}/{name}/", GET_POST
        )
        for name in ("approve", "reject")
    },
    "api-dissolutions": Entry(lambda v: "/api/v1/dissolutions/", GET_POST, public=True),
    **{
        f"api-dissolution-{name}": Entry(
            lambda v, name=name: f"/api/v1/dissolutions/{v.dissolution.pk}/{name}/", GET_POST
        )
        for name in ("approve", "reject")
    },
    "admin:formation_founding_step": Entry(
        lambda v: [
            reverse("admin:formation_founding_step", args=[v.founding.pk, name])
            for name in ("apply", "request_congress", "report_election", "upload_scan", "approve", "abandon")
        ],
        GET_POST,
    ),
    "admin:formation_founding_document": Entry(
        lambda v: reverse("admin:formation_founding_document", args=[v.founding.pk, "group_letter"])
    ),
    "admin:formation_founding_scan": Entry(
        lambda v: reverse("admin:formation_founding_scan", args=[v.founding.pk, "group_letter"])
    ),
    "admin:formation_termrenewal_step": Entry(
        lambda v: [
            reverse("admin:formation_termrenewal_step", args=[v.renewal.pk, name])
            for name in ("approve", "reject")
        ],
        GET_POST,
    ),
    "admin:formation_dissolution_step": Entry(
        lambda v: [
            reverse("admin:formation_dissolution_step", args=[v.dissolution.pk, name])
            for name in ("approve", "reject")
        ],
        GET_POST,
    ),
    **{
        f"admin:formation_{model}_start": Entry(
            lambda v, model=model: reverse(f"admin:formation_{model}_start"), GET_POST, public=True
        )
        for model in ("founding", "termrenewal", "dissolution")
    },
    "admin:formation_unionformationcase_step": Entry(
        lambda v: [
            reverse("admin:formation_unionformationcase_step", args=[v.case.pk, name])
            for name in ("issue_notice", "establish", "transfer_members", "open_founding")
        ],
        GET_POST,
    ),
    "admin:formation_unionformationcase_notice": Entry(
        lambda v: reverse("admin:formation_unionformationcase_notice", args=[v.case.pk])
    ),
    # data work: import, review exports
    "admin:datawork_importjob_upload": Entry(
        lambda v: reverse("admin:datawork_importjob_upload"), GET_POST, public=True
    ),
    "admin:datawork_importjob_template": Entry(
        lambda v: reverse("admin:datawork_importjob_template"), public=True
    ),
    **{
        f"admin:datawork_importjob_{name}": Entry(
            lambda v, name=name: reverse(f"admin:datawork_importjob_{name}", args=[v.import_job.pk])
        )
        for name in ("progress", "progress_json", "report")
    },
    "admin:datawork_importjob_retry": Entry(
        lambda v: reverse("admin:datawork_importjob_retry", args=[v.import_job.pk]), GET_POST
    ),
    # dues: the member's own ledger pages, the payment API and the providers' notifications
    "dues-home": Entry(lambda v: ["/dues/", "/dues/?year=2025"], public=True),
    "dues-pay": Entry(
        lambda v: ["/dues/pay/", "/dues/pay/?year=2025"],
        GET_POST,
        public=True,
        data=lambda v: {"year": 2025, "through_month": 12},
    ),
    "dues-history": Entry(lambda v: "/dues/history/", public=True),
    "dues-order": Entry(lambda v: [f"/dues/orders/{o.order_no}/" for o in v.orders]),
    "dues-order-cancel": Entry(lambda v: [f"/dues/orders/{o.order_no}/cancel/" for o in v.orders], GET_POST),
    "dues-receipt": Entry(lambda v: f"/dues/orders/{v.paid_order.order_no}/receipt.pdf"),
    "dues-sandbox-pay": Entry(lambda v: f"/dues/sandbox/pay/{v.pending_order.order_no}/", GET_POST),
    "api-dues-year": Entry(lambda v: ["/api/v1/me/dues/2025/", "/api/v1/me/dues/2026/"], public=True),
    "api-dues-payments": Entry(
        lambda v: "/api/v1/me/dues/payments/",
        GET_POST,
        public=True,
        data=lambda v: {"year": 2025, "through_month": 12},
    ),
    # a forged notification (no or a wrong signature) for the victim's pending order
    "api-sandbox-notify": Entry(
        lambda v: "/api/v1/payments/sandbox/notify/",
        GET_POST,
        public=True,
        data=lambda v: forged_notification(v),
    ),
    "api-wechatpay-notify": Entry(
        lambda v: "/api/v1/payments/wechatpay/notify/",
        GET_POST,
        public=True,
        data=lambda v: forged_notification(v),
    ),
    "admin:dues_paymentorder_receipt": Entry(
        lambda v: reverse("admin:dues_paymentorder_receipt", args=[v.paid_order.pk])
    ),
    "admin:dues_paymentorder_unit_payment": Entry(
        lambda v: reverse("admin:dues_paymentorder_unit_payment"),
        GET_POST,
        public=True,
        data=lambda v: {"year": 2025, "memberships": [v.unit_membership.pk], "note": "篡改"},
    ),
    "admin:dues_paidmonth_payroll_import": Entry(
        lambda v: reverse("admin:dues_paidmonth_payroll_import"),
        GET_POST,
        public=True,
        data=lambda v: {
            "file": SimpleUploadedFile(
                "payroll.csv", f"身份证号码,年,月,金额\n{v.payroll_person.id_number},2025,6,10.00\n".encode()
            )
        },
    ),
    # rates are city-wide: every staff account reads them (list, page, history); only the city changes them
    **{
        f"admin:dues_duesrate_{view}": Entry(
            lambda v, view=view: f"/admin/dues/duesrate/{v.rate.pk}/{view}/",
            GET_POST if view == "change" else GET,
            public=True,
        )
        for view in ("change", "history")
    },
    "admin/dues/duesrate/<path:object_id>/": Entry(
        lambda v: f"/admin/dues/duesrate/{v.rate.pk}/", public=True
    ),
    **{
        f"admin:datawork_exportjob_{name}": Entry(
            lambda v, name=name: reverse(f"admin:datawork_exportjob_{name}", args=[v.export_job.pk])
        )
        for name in ("progress", "progress_json")
    },
    "admin:datawork_exportjob_download": Entry(
        lambda v: reverse(
            "admin:datawork_exportjob_download", args=[export_jobs.export_download_token(v.export_job)]
        )
    ),
    "admin:datawork_unionreview_export": Entry(
        lambda v: [
            reverse("admin:datawork_unionreview_export", args=[v.union.pk, kind])
            for kind in ("roster", "summary")
        ]
    ),
}

# One victim object per model in the admin: its changelist, add, change, history, delete and bare-id pages.
ADMIN_VICTIMS: dict[str, Callable] = {
    "members.union": lambda v: v.union,
    "members.employerunit": lambda v: v.employer,
    "members.person": lambda v: v.person,
    "members.membership": lambda v: v.membership,
    "members.user": lambda v: v.staff_user,
    "auth.group": lambda v: v.group,
    "authtoken.tokenproxy": lambda v: v.member_user,  # the token admin is keyed by user id
    "axes.accessattempt": lambda v: v.attempt,
    "axes.accesslog": lambda v: v.access_log,
    "axes.accessfailurelog": lambda v: v.failure_log,
    "otp_totp.totpdevice": lambda v: v.device,
    "members.profilechange": lambda v: v.profile_change,
    "datawork.importjob": lambda v: v.import_job,
    "datawork.exportjob": lambda v: v.export_job,
    "datawork.unionreview": lambda v: v.union,
    "datawork.statisticspage": lambda v: v.union,
    "applications.joinapplication": lambda v: v.join_app,
    "casework.workdayoverride": lambda v: v.workday,
    "transfers.transferapplication": lambda v: v.transfer_app,
    "formation.unionformationcase": lambda v: v.case,
    "formation.founding": lambda v: v.founding,
    "formation.termrenewal": lambda v: v.renewal,
    "formation.dissolution": lambda v: v.dissolution,
    "dues.duesrate": lambda v: v.rate,
    "dues.paymentorder": lambda v: v.paid_order,
    "dues.refundpendingorder": lambda v: v.refund_order,
    "dues.paidmonth": lambda v: v.paid_month,
    "dues.arrearsentry": lambda v: v.arrears,
    "dues.paymentnotification": lambda v: v.notification,
    "security.identityclaim": lambda v: v.claim,
}


def admin_entries() -> dict[str, Entry]:
    entries = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        app, name = model._meta.app_label, model._meta.model_name
        victim = ADMIN_VICTIMS.get(label)
        if victim is None:
            continue  # reported as unlisted by the test
        base = f"/admin/{app}/{name}/"
        entries[f"admin:{app}_{name}_changelist"] = Entry(
            lambda v, base=base: [
                (base, GET_POST),
                f"{base}?{urlencode({'q': v.person.name})}",
                f"{base}?{urlencode({'q': v.person.id_number})}",
            ],
            public=True,
            data=lambda v, victim=victim: {
                "action": "delete_selected",
                "_selected_action": victim(v).pk,
                "post": "yes",
            },
        )
        entries[f"admin:{app}_{name}_add"] = Entry(lambda v, base=base: f"{base}add/", GET_POST, public=True)
        for view in ("change", "history", "delete"):
            entries[f"admin:{app}_{name}_{view}"] = Entry(
                lambda v, base=base, victim=victim, view=view: f"{base}{victim(v).pk}/{view}/".replace(
                    "/change/", "/change/"
                ),
                GET_POST if view != "history" else GET,
            )
        entries[f"{base[1:]}<path:object_id>/"] = Entry(
            lambda v, base=base, victim=victim: f"{base}{victim(v).pk}/"
        )
    return entries


def autocomplete_urls(v) -> list[str]:
    """Every foreign key of every model admin, searched for the victim."""
    urls = []
    for model in admin.site._registry:
        for fk in model._meta.get_fields():
            if isinstance(fk, ForeignKey) and fk.related_model in admin.site._registry:
                term = v.person.name if fk.related_model in (Person, User) else v.union.name
                urls.append(
                    "/admin/autocomplete/?"
                    + urlencode(
                        {
                            "app_label": model._meta.app_label,
                            "model_name": model._meta.model_name,
                            "field_name": fk.name,
                            "term": term,
                        }
                    )
                )
    return urls


def forged_card_token(v) -> str:
    """A card link for the victim's membership signed with the wrong key material."""
    from django.core import signing

    return signing.dumps({"m": v.membership.pk, "v": 0}, salt="not-the-card-salt", compress=False)


def forged_notification(v) -> dict:
    """A notification that the victim's pending order was paid, not signed by the provider."""
    return {
        "order_no": v.pending_order.order_no,
        "amount": str(v.pending_order.total_amount),
        "transaction_id": "TX-FORGED-1",
        "paid_at": "2025-04-15T10:00:00+08:00",
    }


def dues_ledger(v) -> None:
    """The victim's dues: a paid order with its receipt and months, a pending order, a refund to make, arrears,
    the provider's notification; a unit-paid and a payroll member of the same union."""
    v.rate, _ = DuesRate.objects.get_or_create(year=2025, defaults={"monthly_amount": "10.00"})
    jan, feb, mar = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)

    def order(no, status, **extra):
        return PaymentOrder.objects.create(
            order_no=no,
            membership=v.membership,
            year=2025,
            first_month=jan,
            last_month=mar,
            month_list=["2025-01", "2025-02", "2025-03"],
            months_count=3,
            dues_amount="30.00",
            extra_amount="7.77",
            total_amount="37.77",
            status=status,
            provider="sandbox",
            **extra,
        )

    v.paid_order = order(
        "D2025VICTIMPAID1",
        PaymentOrder.Status.PAID,
        transaction_id="TXVICTIM0001",
        receipt_no="R2025VICTIM01",
        paid_at=dt.datetime(2025, 3, 5, tzinfo=dt.UTC),
    )
    v.paid_month = PaidMonth.objects.bulk_create(
        [
            PaidMonth(
                membership=v.membership,
                month=m,
                amount="10.00",
                source=PaidMonth.Source.SELF_PAY,
                payment=v.paid_order,
            )
            for m in (jan, feb, mar)
        ]
    )[0]
    v.pending_order = order("D2025VICTIMPEND1", PaymentOrder.Status.PENDING)
    v.pending_order.provider_ref = f"/dues/sandbox/pay/{v.pending_order.order_no}/"
    v.pending_order.save()
    v.refund_order = order(
        "D2025VICTIMREFD1", PaymentOrder.Status.REFUND_PENDING, transaction_id="TXVICTIM0002"
    )
    v.orders = [v.paid_order, v.pending_order, v.refund_order]
    v.arrears = ArrearsEntry.objects.create(
        membership=v.membership,
        unpaid_months=4,
        first_unpaid_month=dt.date(2024, 9, 1),
        dues_mode="self_pay",
        action="notify",
        as_of=dt.date(2025, 1, 5),
    )
    v.notification = PaymentNotification.objects.create(
        provider="sandbox",
        order_no=v.paid_order.order_no,
        transaction_id="TXVICTIM0001",
        verified=True,
        outcome=PaymentNotification.Outcome.CREDITED,
        raw_body='{"note": "机密通知报文"}',
    )
    _user, v.unit_membership = f.member(
        v.union, name="欧阳单缴", dues_mode=DuesMode.UNIT_PAID, joined_on=dt.date(2020, 5, 1)
    )
    payroll_user, _membership = f.member(
        v.union, name="欧阳代扣", dues_mode=DuesMode.PAYROLL, joined_on=dt.date(2020, 5, 1)
    )
    v.payroll_person = payroll_user.person


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else prefix + str(p.pattern)


def all_patterns() -> list[str]:
    return list(dict.fromkeys(walk(get_resolver().url_patterns)))


@pytest.fixture
def world(city, settings, tmp_path):
    """The victim: a member of 甲厂工会 with everything around them, and the four outsiders."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    v = SimpleNamespace()
    v.union = city.grassroots
    v.employer = EmployerUnit.objects.create(
        name="机密单位有限公司", credit_code="91420500MA48999990", county=city.county_a
    )
    Union.objects.filter(pk=v.union.pk).update(
        leader_name="机密负责人", phone="0717-8888777", address="机密路9号", employer=v.employer
    )
    v.union.refresh_from_db()
    CommitteeMember.objects.create(
        union=v.union, committee="union", name="委员机密", gender="F", position="主席"
    )
    v.member_user, v.membership = f.member(v.union, name="欧阳机密", joined_on=dt.date(2020, 5, 1))
    v.person = v.member_user.person
    v.wechat = WeChatBinding.objects.create(
        user=v.member_user, app="miniprogram", app_id="wx-victim-app", openid="o-victim-openid"
    )
    v.person.address = "机密小区1栋"
    v.person.save()
    v.staff_user = city.grassroots_staff
    v.group = Group.objects.get(name="审批员")
    v.device = TOTPDevice.objects.create(user=v.staff_user, name="机密设备", confirmed=True)
    Token.objects.get_or_create(user=v.member_user)
    marker = {
        "username": v.member_user.username,
        "ip_address": "10.9.9.9",
        "user_agent": "欧阳机密-agent",
        "http_accept": "*/*",
        "path_info": "/login/",
    }
    v.attempt = AccessAttempt.objects.create(**marker, get_data="", post_data="", failures_since_start=1)
    v.access_log = AccessLog.objects.create(**marker)
    v.failure_log = AccessFailureLog.objects.create(**marker)
    # the victim's messages, profile history, a transfer out of 甲厂工会 and a join application into it
    v.message = notify(
        recipient=v.member_user,
        template="matrix",
        subject="机密消息标题",
        body="机密消息内容",
        dedupe_key="matrix-victim",
        channels=("inbox",),
    )[0]
    v.profile_change = ProfileChange.objects.create(
        person=v.person,
        field="address",
        old_value="机密旧地址",
        new_value=v.person.address,
        actor=v.member_user,
    )
    v.transfer_app, _kind = transfer_services.transfer_application_submit(
        user=v.member_user, union=city.other, unit_name="机密新单位", reason="机密转会原因"
    )
    applicant_user = f.person_user(name="欧阳申请", born=dt.date(1991, 3, 3))
    v.applicant = applicant_user.person
    v.join_app = join_services.join_application_submit(
        user=applicant_user,
        union=v.union,
        unit_name="机密申请单位",
        employment_type="dispatched",
        hire_date=dt.date(2024, 3, 1),
        statement="",
        proof=upload(),
    )
    v.case = UnionFormationCase.objects.create(
        reservoir=city.reservoir_a,
        county=city.county_a,
        employer_name="机密单位物流有限公司",
        member_count=25,
        opened_on=dt.date(2026, 1, 5),
        due_at=dt.date(2026, 1, 20),
    )
    v.founding = formation_services.founding_open(
        actor=v.staff_user,
        parent=v.union,
        employer_name="机密单位分厂",
        union_name="机密单位分厂工会",
        contact_name="机密筹备人",
        contact_phone="0717-6666555",
    )
    formation_services.founding_scan_upload(
        founding_id=v.founding.pk, actor=v.staff_user, kind="group_letter", scan=upload()
    )
    v.renewal = formation_services.term_renewal_submit(
        union=v.union,
        actor=v.staff_user,
        elected_on=dt.date(2026, 3, 1),
        election_form="direct",
        committees={
            "union": [{"name": "委员机密", "gender": "F", "position": "主席"}],
            "audit": [{"name": "委员机密", "gender": "F", "position": "主任"}],
            "women": [{"name": "委员机密", "gender": "F", "position": "主任"}],
        },
    )
    v.dissolution = formation_services.dissolution_request(
        union=v.union, actor=v.staff_user, reason="closed", note="机密撤销说明"
    )
    v.import_job = ImportJob.objects.create(
        union=v.union,
        uploaded_by=v.staff_user,
        file_name="机密名单.xlsx",
        status=ImportJob.Status.REJECTED,
        total=2,
        done=2,
        report={"error_count": 1, "errors": [{"row": 2, "field": "姓名", "message": "机密错误行"}]},
    )
    v.export_job = ExportJob.objects.create(
        requested_by=v.staff_user,
        union=v.union,
        kind=ExportJob.Kind.ROSTER,
        status=ExportJob.Status.DONE,
        total=1,
        done=1,
        row_count=1,
        sheets=1,
        stored_file="exports/victim-roster.xlsx",
        file_name="roster-机密.xlsx",
        expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    )
    v.workday = WorkdayOverride.objects.create(day=dt.date(2026, 10, 11), is_workday=True, note="机密调休")
    claimant_phone = f.phone()
    v.claim = IdentityClaim.objects.create(
        person=v.person,
        union=v.union,
        name="欧阳机密",
        id_number_masked=v.person.id_number_masked,
        phone=claimant_phone,
        phone_hash=keyed_hash(claimant_phone),
        phone_masked=v.person.phone_masked,
        id_card_file=private_files.store(claims.FOLDER, png_bytes()),
        id_card_content_type="image/png",
        due_at=dt.date(2026, 1, 20),
        holder=v.member_user,
    )
    dues_ledger(v)
    v.secrets = [
        v.person.name,
        v.person.masked_name,
        v.person.id_number,
        v.person.id_number_masked,
        v.person.phone,
        v.person.phone_masked,
        v.person.address,
        "机密负责人",
        "0717-8888777",
        "机密路9号",
        "委员机密",
        "机密单位",
        "机密设备",
        "欧阳机密-agent",
        v.membership.member_no,
        "机密消息",
        "机密旧地址",
        "机密新单位",
        "机密转会原因",
        v.applicant.name,
        v.applicant.masked_name,
        v.applicant.id_number,
        v.applicant.phone,
        "机密申请单位",
        "机密名单",
        "机密错误行",
        "机密调休",
        "机密筹备人",
        "0717-6666555",
        "机密撤销说明",
        "欧阳单缴",
        "欧阳代扣",
        "37.77",
        "7.77",
        "机密通知报文",
        "TXVICTIM000",
    ]
    v.secrets += [o.order_no for o in v.orders] + [v.paid_order.receipt_no]
    _other_user, _ = f.member(city.sibling, name="路人乙")
    v.roles = {
        "sibling_staff": city.sibling_staff,
        "child_staff": city.branch_staff,
        "member": _other_user,
        "anonymous": None,
    }
    return v


def snapshot(v) -> dict:
    """The victim's rows (and rows that would appear under the victim's union), compared after every request."""

    def row(model, pk):
        obj = model.objects.filter(pk=pk).first()
        return model_to_dict(obj) if obj is not None else "deleted"

    def values(model, pk):
        return model.objects.filter(pk=pk).values().first() or "deleted"

    return {
        "person": row(Person, v.person.pk),
        "membership": row(Membership, v.membership.pk),
        "union": row(Union, v.union.pk),
        "employer": row(EmployerUnit, v.employer.pk),
        "staff_user": row(User, v.staff_user.pk),
        "member_user": row(User, v.member_user.pk),
        "device": row(TOTPDevice, v.device.pk),
        "token": list(Token.objects.filter(user=v.member_user).values_list("key", flat=True)),
        "wechat": list(WeChatBinding.objects.filter(user=v.member_user).values_list("app_id", "openid")),
        "group_perms": sorted(v.group.permissions.values_list("pk", flat=True)),
        "subtree": sorted(Union.objects.filter(path__startswith=v.union.path).values_list("pk", "name")),
        "subtree_staff": sorted(
            User.objects.filter(union__path__startswith=v.union.path).values_list("pk", flat=True)
        ),
        "memberships": sorted(
            Membership.objects.filter(union__path__startswith=v.union.path).values_list(
                "pk", "status", "union_id", "dues_mode"
            )
        ),
        "events": MembershipEvent.objects.filter(membership=v.membership).count(),
        "committee": sorted(CommitteeMember.objects.filter(union=v.union).values_list("pk", "name")),
        "axes": (
            AccessAttempt.objects.filter(pk=v.attempt.pk).exists(),
            AccessLog.objects.filter(pk=v.access_log.pk).exists(),
        ),
        "applicant": row(Person, v.applicant.pk),
        "join_app": values(JoinApplication, v.join_app.pk),
        "transfer_app": values(TransferApplication, v.transfer_app.pk),
        "case": values(UnionFormationCase, v.case.pk),
        "founding": values(Founding, v.founding.pk),
        "renewal": values(TermRenewal, v.renewal.pk),
        "dissolution": values(Dissolution, v.dissolution.pk),
        "foundings": Founding.objects.count(),
        "renewals": TermRenewal.objects.count(),
        "dissolutions": Dissolution.objects.count(),
        "import_job": values(ImportJob, v.import_job.pk),
        "export_job": values(ExportJob, v.export_job.pk),
        "workday": values(WorkdayOverride, v.workday.pk),
        "rate": values(DuesRate, v.rate.pk),
        "dues_orders": sorted(
            PaymentOrder.objects.filter(membership__union__path__startswith=v.union.path).values_list(
                "pk", "status", "total_amount", "transaction_id", "receipt_no"
            )
        ),
        "paid_months": sorted(
            PaidMonth.objects.filter(membership__union__path__startswith=v.union.path).values_list(
                "pk", "membership_id", "month", "payment_id"
            )
        ),
        "arrears": values(ArrearsEntry, v.arrears.pk),
        "notification": values(PaymentNotification, v.notification.pk),
        "message": values(OutboxMessage, v.message.pk),
        "profile_changes": sorted(ProfileChange.objects.filter(person=v.person).values_list("pk", "field")),
        "trace": [
            TransitionRecord.objects.filter(
                content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
            ).count()
            for obj in (v.join_app, v.transfer_app, v.case, v.founding, v.renewal, v.dissolution)
        ],
    }


class Outsiders:
    """One browser and one API client per role (building a client loads the middleware: too slow per request)."""

    def __init__(self, roles: dict):
        self.roles = roles
        self.browsers = {role: Client(raise_request_exception=False) for role in roles}
        self.api = {role: Client(raise_request_exception=False) for role in roles}
        for role, user in roles.items():
            if user is not None:
                token, _ = Token.objects.get_or_create(user=user)
                self.api[role] = Client(
                    raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}"
                )
                self.browsers[role].force_login(user)

    def client(self, role: str, path: str) -> Client:
        return self.api[role] if path.startswith("/api/") else self.browsers[role]

    def relogin(self, role: str) -> None:
        """After a POST (it may have been a logout, or a login as someone else)."""
        user = self.roles[role]
        self.browsers[role].logout()
        if user is not None:
            self.browsers[role].force_login(user)


def check_unchanged(world, before, where, problems) -> dict:
    after = snapshot(world)
    if after != before:
        problems.append(f"{where}: changed {[k for k in before if before[k] != after[k]]}")
    return after


@pytest.mark.django_db
def test_every_url_pattern_is_listed_and_denies_outsiders(world):
    registry = {**admin_entries(), **REGISTRY}
    patterns = all_patterns()
    unlisted = [p for p in patterns if p not in registry]
    assert not unlisted, f"URL patterns not in the access matrix registry: {unlisted}"
    stale = [name for name in REGISTRY if name not in patterns]
    assert not stale, f"registry entries for URLs that no longer exist: {stale}"

    outsiders = Outsiders(world.roles)
    before = snapshot(world)
    problems, requests = [], 0
    for pattern in patterns:
        entry = registry[pattern]
        urls = entry.urls(world)
        for item in urls if isinstance(urls, list) else [urls]:
            url, methods = item if isinstance(item, tuple) else (item, entry.methods)
            for role in ROLES:
                for method in methods:
                    client = outsiders.client(role, url)
                    data = {**tamper(world), **entry.data(world)} if method != "GET" else None
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = getattr(client, method.lower())(
                            url,
                            data,
                            **(
                                {"content_type": "application/json"}
                                if url.startswith("/api/") and method != "POST"
                                else {}
                            ),
                        )
                    requests += 1
                    where = f"{role} {method} {url} ({pattern})"
                    allowed = OPEN if entry.public else DENIED
                    if response.status_code not in allowed:
                        problems.append(f"{where}: status {response.status_code}")
                    body = b"".join(response) if response.streaming else response.content
                    text = body.decode("utf-8", errors="replace")
                    # a search box shows back what the outsider typed: that is not a leak, the results would be;
                    # so does a public page form posted back with its errors (the fields keep what was typed)
                    echoed = set(
                        parse_qs(urlsplit(url).query).get("q", [])
                        + parse_qs(urlsplit(url).query).get("term", [])
                    )
                    if entry.public and method == "POST" and not url.startswith(("/api/", "/admin/")):
                        echoed |= {value for value in data.values() if isinstance(value, str)}
                    leaked = [s for s in world.secrets if s and s not in echoed and s in text]
                    if leaked:
                        problems.append(f"{where}: body shows {leaked}")
                    if method != "GET":
                        outsiders.relogin(role)
                        before = check_unchanged(world, before, where, problems)
        before = check_unchanged(world, before, f"GET requests of {pattern}", problems)
    print(
        f"access matrix: {len(patterns)} URL patterns x {len(ROLES)} roles = {len(patterns) * len(ROLES)}, "
        f"{requests} requests"
    )
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_dues_victim_objects_are_reachable_by_their_owners(world, city):
    """The control for the dues rows of the matrix: the victim and the staff above them do reach them."""
    owner, staff = Client(), Client()
    owner.force_login(world.member_user)
    staff.force_login(city.county_a_admin)  # 甲厂工会's own staff has a TOTP device in this world
    for url in (
        f"/dues/orders/{world.paid_order.order_no}/",
        f"/dues/orders/{world.paid_order.order_no}/receipt.pdf",
        f"/dues/sandbox/pay/{world.pending_order.order_no}/",
    ):
        assert owner.get(url).status_code == 200, url
    assert world.paid_order.order_no in owner.get("/dues/history/").content.decode()
    for url in (
        reverse("admin:dues_paymentorder_receipt", args=[world.paid_order.pk]),
        f"/admin/dues/paymentorder/{world.paid_order.pk}/change/",
        f"/admin/dues/refundpendingorder/{world.refund_order.pk}/change/",
        f"/admin/dues/paidmonth/{world.paid_month.pk}/change/",
        f"/admin/dues/arrearsentry/{world.arrears.pk}/change/",
    ):
        assert staff.get(url).status_code == 200, url
    # rates: any staff reads them, only the city changes them
    sibling, city_admin = Client(), Client()
    sibling.force_login(city.sibling_staff)
    city_admin.force_login(city.city_admin)
    rate_url = f"/admin/dues/duesrate/{world.rate.pk}/change/"
    assert sibling.get(rate_url).status_code == 200
    assert sibling.post(rate_url, {"year": world.rate.year, "monthly_amount": "99.00"}).status_code == 403
    assert sibling.get("/admin/dues/duesrate/add/").status_code == 403
    assert city_admin.post(rate_url, {"year": world.rate.year, "monthly_amount": "12.00"}).status_code == 302
    world.rate.refresh_from_db()
    assert str(world.rate.monthly_amount) == "12.00"
    # the notification log is the city's only
    assert staff.get(f"/admin/dues/paymentnotification/{world.notification.pk}/change/").status_code == 403
    assert (
        city_admin.get(f"/admin/dues/paymentnotification/{world.notification.pk}/change/").status_code == 200
    )


# --- admin forms: every model admin, every field, every staff role ------------------------------------------
# Each role is held alone by a county account above the victim's union (so the victim's objects are in its
# scope); the union admin holds the admin flag. Each POSTs the add, change and delete pages of every registered
# model admin with every model field (shown by the form or not) and then its own user page; afterwards the
# database must show no change outside the role's powers: a field changes only if the role holds the model's
# change permission AND the admin's form for that role shows it; a row appears or goes only with the add or
# delete permission; raw powers (is_superuser, is_staff, groups, user permissions, passwords) never move.

STAFF_ROLE_ACCOUNTS = {
    "approver": {"roles": ["approver"]},
    "finance": {"roles": ["finance"]},
    "data_manager": {"roles": ["data_manager"]},
    "reveal": {"roles": ["reveal"]},
    "union_admin": {"roles": [], "admin": True},
    "all_roles": {"roles": ["approver", "finance", "data_manager", "reveal"], "admin": True},
}
NEVER_BY_STAFF = {
    "members.user": {
        "is_superuser",
        "is_staff",
        "groups",
        "user_permissions",
        "password",
        "last_login",
        "date_joined",
        "must_change_password",
    }
}


def victim_row(model, v):
    obj = ADMIN_VICTIMS[model._meta.label_lower](v)
    if model is Token or model._meta.label_lower == "authtoken.tokenproxy":
        return model.objects.filter(user=obj).first(), obj.pk
    return model.objects.filter(pk=obj.pk).first(), obj.pk


def row_state(model, obj) -> dict:
    if obj is None:
        return {}
    key = model._meta.pk.attname  # not obj.pk: the token admin's proxy maps pk to the user id
    fresh = model._base_manager.filter(**{key: getattr(obj, key)}).first()
    if fresh is None:
        return {"__deleted__": True}
    state = {f.name: getattr(fresh, f.attname) for f in model._meta.concrete_fields}
    for m2m in model._meta.many_to_many:
        state[m2m.name] = sorted(getattr(fresh, m2m.name).values_list("pk", flat=True))
    return state


def tampered_value(field, current, v):
    """A value for `field` different from `current`, as an HTML form would send it (None: leave out)."""
    from django.db import models as m

    if field.auto_created or isinstance(field, m.AutoField | m.FileField | m.UUIDField):
        return None
    if field.choices:
        others = [value for value, _label in field.flatchoices if value != current and value != ""]
        return others[0] if others else None
    if isinstance(field, m.BooleanField):
        return None if current else "on"  # unchecked (left out) is False
    if isinstance(field, m.ForeignKey):
        related = field.related_model
        if related is Union:
            return v.tamper_union.pk
        other = related._base_manager.exclude(pk=current).order_by("pk").first()
        return other.pk if other is not None else None
    if isinstance(field, m.ManyToManyField):
        return list(field.related_model.objects.order_by("pk").values_list("pk", flat=True)[:300])
    if isinstance(field, m.DateTimeField):
        return {"": "2001-02-03 04:05:06", "_0": "2001-02-03", "_1": "04:05:06"}
    if isinstance(field, m.DateField):
        return "2001-02-03"
    if isinstance(field, m.DecimalField | m.IntegerField | m.FloatField):
        return str((current or 0) + 7)
    if isinstance(field, m.EmailField):
        return "tamper@example.com"
    if isinstance(field, m.JSONField):
        return '{"tampered": true}'
    if isinstance(field, m.CharField | m.TextField):
        return "篡改值"[: field.max_length or 10] if (field.max_length or 10) >= 3 else "Z"
    return None


def every_field_post(model, obj, v) -> dict:
    from django.forms.models import _get_foreign_key

    data = {
        **tamper(v),
        "_save": "Save",
        "roles": ["approver", "finance", "data_manager", "reveal"],
        "password1": "Tamper-pass-123",
        "password2": "Tamper-pass-123",
    }
    for inline in getattr(admin.site._registry.get(model), "inlines", []):
        # an empty management form per inline, so the main form is judged on its own fields
        if hasattr(inline, "ct_field"):  # a generic inline (the trace)
            opts = inline.model._meta
            prefix = f"{opts.app_label}-{opts.model_name}-{inline.ct_field}-{inline.ct_fk_field}"
        else:
            fk = _get_foreign_key(model, inline.model, fk_name=inline.fk_name)
            prefix = fk.remote_field.get_accessor_name(model=inline.model).replace("+", "")
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    for model_field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
        current = (
            getattr(obj, model_field.attname, None) if obj is not None and model_field.concrete else None
        )
        value = tampered_value(model_field, current, v)
        if isinstance(value, dict):
            data.update({f"{model_field.name}{suffix}": part for suffix, part in value.items()})
        elif value is not None:
            data[model_field.name] = value
            data[model_field.attname] = value
    return data


def role_powers(model_admin, user, obj) -> tuple[set, bool, bool]:
    """(fields this role may change on obj, may add, may delete), from its permissions and the admin's form."""
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    opts = model_admin.model._meta
    concrete = opts.concrete_model._meta
    perm = lambda action: (  # noqa: E731
        user.has_perm(f"{concrete.app_label}.{action}_{concrete.model_name}")
        or user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
    )
    changeable = set()
    if obj is not None and perm("change") and model_admin.has_change_permission(request, obj):
        form = model_admin.get_form(request, obj, change=True)
        changeable = set(form.base_fields) - set(model_admin.get_readonly_fields(request, obj))
        changeable -= NEVER_BY_STAFF.get(opts.label_lower, set())
        changeable |= {f.name for f in opts.concrete_fields if getattr(f, "auto_now", False)}
        if opts.label_lower == "members.user":
            changeable |= (
                {"groups"} if "is_union_admin" in changeable else set()
            )  # the roles, through the service
    may_add = perm("add") and model_admin.has_add_permission(request)
    may_delete = obj is not None and perm("delete") and model_admin.has_delete_permission(request, obj)
    return changeable, may_add, may_delete


def forbidden_changes(model, before, after, changeable, user) -> list[str]:
    changed = [k for k in before if k != "__deleted__" and k in after and before[k] != after[k]]
    bad = [k for k in changed if k not in changeable]
    if model is User and "groups" in changed:
        # a union admin sets role groups only: every group held afterwards is a role group
        role_names = {r.name for r in staff_roles.ROLES}
        held = set(Group.objects.filter(pk__in=after["groups"]).values_list("name", flat=True))
        bad += [f"groups {sorted(held - role_names)}"] if held - role_names else []
    if (
        model is User
        and "union" in changed
        and not staff_selectors.union_strictly_below(user, Union.objects.get(pk=after["union"]))
    ):
        bad.append("union outside the unions below")
    return bad


def raw_powers(user) -> tuple:
    u = User.objects.get(pk=user.pk)
    return (
        u.is_superuser,
        u.is_staff,
        u.is_union_admin,
        u.union_id,
        u.password,
        u.is_active,
        sorted(u.user_permissions.values_list("pk", flat=True)),
        sorted(u.groups.values_list("pk", flat=True)),
    )


@pytest.mark.django_db
def test_admin_forms_post_every_field_and_change_only_what_each_role_may(world, city):
    allowed_changes = set()  # (role, model) pairs where a POST changed what the role may change
    accounts = {name: f.staff(city.county_a, **spec) for name, spec in STAFF_ROLE_ACCOUNTS.items()}
    problems, requests = [], 0
    registry = list(admin.site._registry.items())
    for role, user in accounts.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for model, model_admin in registry:
            label = model._meta.label_lower
            if label not in ADMIN_VICTIMS:
                continue  # the URL matrix reports it as unlisted
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            obj, url_pk = victim_row(model, world)
            changeable, may_add, may_delete = role_powers(model_admin, user, obj)
            pks = set(model._base_manager.values_list("pk", flat=True))
            posts = [
                (f"{base}{url_pk}/change/", city.other),
                (f"{base}{url_pk}/change/", city.branch2),
                (f"{base}add/", city.other),
                (f"{base}add/", city.branch2),
                (f"{base}{url_pk}/delete/", None),
            ]
            for url, world.tamper_union in posts:
                before = row_state(model, obj)
                data = (
                    every_field_post(model, obj, world) if not url.endswith("/delete/") else {"post": "yes"}
                )
                response = client.post(url, data)
                requests += 1
                where = f"{role} POST {url}"
                if response.status_code >= 500:
                    problems.append(f"{where}: status {response.status_code}")
                after = row_state(model, obj)
                if after.get("__deleted__") and not may_delete:
                    problems.append(f"{where}: deleted the row without the delete permission")
                elif not after.get("__deleted__"):
                    bad = forbidden_changes(model, before, after, changeable, user)
                    if bad:
                        problems.append(f"{where}: changed {bad}")
                    elif before != after:
                        allowed_changes.add((role, label))
                new = set(model._base_manager.values_list("pk", flat=True)) - pks
                if new and not may_add:
                    problems.append(f"{where}: added {len(new)} row(s) without the add permission")
                if model is User:
                    for added in User.objects.filter(pk__in=new):
                        if (
                            added.is_superuser
                            or added.user_permissions.exists()
                            or not (staff_selectors.union_strictly_below(user, added.union))
                        ):
                            problems.append(
                                f"{where}: created {added.username} with raw powers or out of scope"
                            )
                pks |= new
                if after.get("__deleted__"):
                    break  # the victim is gone (allowed): the rest of this model's pages have nothing to act on
        # and its own account, with every field
        own_before = raw_powers(user)
        world.tamper_union = city.branch2
        client.post(f"/admin/members/user/{user.pk}/change/", every_field_post(User, user, world))
        client.post(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {"password1": "Tamper-pass-123", "password2": "Tamper-pass-123"},
        )
        requests += 2
        if raw_powers(user) != own_before:
            problems.append(f"{role}: changed its own account's powers")
    print(
        f"admin forms: {len(registry)} model admins x {len(accounts)} roles, {requests} POSTs; "
        f"allowed changes made: {sorted(allowed_changes)}"
    )
    assert not problems, "\n".join(problems)
    # the control: the same POSTs do change what a role may change, so the checks above could see a change
    assert {
        ("data_manager", "members.person"),
        ("union_admin", "members.union"),
        ("union_admin", "members.user"),
    } <= allowed_changes, sorted(allowed_changes)
