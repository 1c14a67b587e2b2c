"""The demo city shows everything at once: arrears filled, accounts explained, a readable console."""

import datetime as dt
import logging
import logging.config
import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from datawork import stats
from dues.models import ArrearsEntry
from members.models import Union, UnionLevel, User
from tests.members import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path, today):
    today("2025-04-15")
    settings.BASE_DIR = tmp_path
    settings.UNIONHUB_REQUIRE_ADMIN_2FA = True
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        call_command("demo_city", stdout=stream)
    return tmp_path


def test_demo_runs_the_arrears_sweep_so_list_and_dashboard_buckets_are_filled(demo, client):
    assert ArrearsEntry.objects.exists()
    city = Union.objects.get(level=UnionLevel.CITY)
    buckets = stats.dashboard(city, dt.date(2025, 4, 15))["dues"]["arrears"]
    assert sum(buckets.values()) > 0
    client.force_login(User.objects.get(username="power_staff"))
    page = client.get("/admin/dues/arrearsentry/").content.decode()
    assert "王六月" in page
    assert "Arrears sweep on 2025-04-15" in (demo / "out.txt").read_text()


def test_demo_accounts_name_the_tsinghua_examples_and_totp_staff_and_no_name_twice(demo):
    lines = (demo / "var" / "demo-accounts.txt").read_text().splitlines()[1:]
    roles = [line.split("\t")[0] for line in lines]
    for n in range(1, 6):
        assert sum(f"清华示例{n}：" in role for role in roles) == 1, n
    totp = [role for role in roles if "需绑定TOTP" in role]
    assert any("市总工会" in r for r in totp) and any("西陵区总工会" in r for r in totp)
    assert not any("需绑定TOTP" in r for r in roles if "分工会" in r or "实验学校" in r)
    names = [re.sub(r"（.*", "", role.removeprefix("会员 ")).split(" ")[-1] for role in roles]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_console_has_no_login_or_task_info_lines(client, caplog):
    logging.config.dictConfig(django_settings.LOGGING)
    user = f.person_user(name="孔明")
    with caplog.at_level(logging.INFO):
        assert client.post("/login/", {"username": user.person.phone, "password": "wrong"}).status_code in (
            200,
            302,
        )
        assert (
            client.post("/login/", {"username": user.person.phone, "password": f.PASSWORD}).status_code == 302
        )
    assert not [
        r for r in caplog.records if r.name.startswith(("axes", "celery")) and r.levelno < logging.WARNING
    ]
    assert logging.getLogger("axes").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("celery").getEffectiveLevel() >= logging.WARNING
