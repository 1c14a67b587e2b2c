"""The layout keeps what users and operators already rely on: old admin addresses, task names, and demo and bench
code kept out of production."""

import subprocess

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from datawork.tasks import member_import_run, union_review_remind
from notifications.tasks import outbox_deliver, outbox_deliver_pending
from tests.security.test_production_settings import PYTHON, production_env


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/members/importjob/", "/admin/datawork/importjob/"),
        ("/admin/members/importjob/upload/", "/admin/datawork/importjob/upload/"),
        ("/admin/members/unionreview/?level=county", "/admin/datawork/unionreview/?level=county"),
        ("/admin/members/statisticspage/", "/admin/datawork/statisticspage/"),
        ("/admin/applications/workdayoverride/3/change/", "/admin/casework/workdayoverride/3/change/"),
        (
            "/admin/transfers/unionformationcase/7/step/establish/",
            "/admin/formation/unionformationcase/7/step/establish/",
        ),
    ],
)
def test_admin_pages_of_moved_models_redirect_from_their_old_addresses(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_admin_pages_of_models_that_stayed_are_not_redirected(client):
    assert client.get("/admin/members/membership/").status_code == 302  # to the login page, not elsewhere
    assert "/admin/login/" in client.get("/admin/members/membership/")["Location"]


def test_queued_tasks_keep_their_names_across_the_move():
    assert outbox_deliver.name == "unionhub.tasks.outbox_deliver"
    assert outbox_deliver_pending.name == "unionhub.tasks.outbox_deliver_pending"
    assert member_import_run.name == "members.tasks.member_import_run"
    assert union_review_remind.name == "members.tasks.union_review_remind"
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"unionhub.tasks.outbox_deliver_pending", "members.tasks.union_review_remind"} <= scheduled


@pytest.mark.django_db
def test_moved_models_have_their_permissions_under_their_new_app():
    for app_label, model in [
        ("datawork", "importjob"),
        ("casework", "workdayoverride"),
        ("formation", "unionformationcase"),
        ("notifications", "outboxmessage"),
    ]:
        content_type = ContentType.objects.get(app_label=app_label, model=model)
        assert Permission.objects.filter(content_type=content_type, codename=f"view_{model}").exists()
    assert not ContentType.objects.filter(app_label="members", model="importjob").exists()


def test_production_installs_neither_the_demo_nor_the_bench():
    script = (
        "from django.conf import settings; print(sorted({'demo', 'bench'} & set(settings.INSTALLED_APPS)))"
    )
    production = subprocess.run(
        [PYTHON, "-c", script],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert production.stdout.strip() == "[]", production.stderr
    local = subprocess.run(
        [PYTHON, "-c", script],
        env=production_env(DJANGO_SETTINGS_MODULE="unionhub.settings.local"),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert local.stdout.strip() == "['bench', 'demo']", local.stderr
