"""Finding 5: production started with the sandbox payment provider, whose pay page credits months without money.
Production now refuses it unless a training deployment says so explicitly; then every page carries a banner and
`check --deploy` reports it."""

import pytest
from django.core import checks
from django.test import Client
from django.urls import reverse

from tests.members import factories as f
from tests.security.test_production_settings import manage, production_env


def test_production_refuses_the_sandbox_by_default():
    env = production_env()
    del env["PAYMENT_PROVIDER"]  # the default provider is the sandbox
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "PAYMENT_PROVIDER=sandbox is refused in production" in result.stderr


def test_a_training_deployment_starts_with_the_sandbox_and_check_deploy_reports_it():
    env = production_env(PAYMENT_PROVIDER="sandbox", UNIONHUB_ALLOW_SANDBOX_PAYMENTS="true")
    assert manage("check", env=env).returncode == 0
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "dues.W001" in result.stdout + result.stderr
    assert manage("check", "--deploy", "--fail-level", "ERROR", env=env).returncode == 0


def test_the_deploy_check_is_an_error_for_the_sandbox_without_the_training_flag(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.UNIONHUB_ALLOW_SANDBOX_PAYMENTS = False
    ids = [m.id for m in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])]
    assert "dues.E001" in ids
    settings.PAYMENT_PROVIDER = "wechatpay"
    ids = [m.id for m in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])]
    assert "dues.E001" not in ids and "dues.W001" not in ids


BANNER = "培训系统：支付为模拟支付"


@pytest.mark.django_db
def test_the_training_banner_is_on_every_member_and_admin_page(settings, city):
    member = Client()
    member.force_login(f.member(city.grassroots)[0])
    staff = Client()
    staff.force_login(city.grassroots_staff)
    pages = [
        (Client(), "/login/"),
        (member, "/"),
        (member, "/dues/"),
        (staff, reverse("admin:index")),
        (staff, reverse("admin:members_person_changelist")),
        (Client(), reverse("admin:login")),
    ]
    settings.UNIONHUB_TRAINING_BANNER = False
    for client, url in pages:
        assert BANNER not in client.get(url).content.decode(), url
    settings.UNIONHUB_TRAINING_BANNER = True
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert BANNER in response.content.decode(), url


@pytest.mark.django_db
def test_sandbox_pay_page_and_notification_are_gone_once_a_real_provider_is_set(settings, city):
    from dues.models import PaymentOrder
    from dues.providers import sandbox

    user, membership = f.member(city.grassroots)
    order = PaymentOrder.objects.create(
        order_no="D2025TRAIN00001",
        membership=membership,
        year=2025,
        first_month="2025-01-01",
        last_month="2025-01-01",
        month_list=["2025-01"],
        months_count=1,
        dues_amount="10.00",
        extra_amount="0",
        total_amount="10.00",
        status=PaymentOrder.Status.PENDING,
        provider="sandbox",
    )
    settings.PAYMENT_PROVIDER = "wechatpay"
    client = Client()
    client.force_login(user)
    assert client.post(f"/dues/sandbox/pay/{order.order_no}/").status_code == 404
    body = sandbox.notification_body(order)
    response = Client().post(
        "/api/v1/payments/sandbox/notify/",
        body,
        content_type="application/json",
        **{"HTTP_X_SANDBOX_SIGNATURE": sandbox.sign(body)},
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PENDING
