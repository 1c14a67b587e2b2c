import re
import time

import pytest
from django.core import signing
from django.urls import reverse

from members import services
from members.models import Membership, MembershipStatus
from portal import card
from tests.members import factories as f
from tests.portal.qr import decode_svg
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db

URL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:"


def _card_page(client, user):
    client.force_login(user)
    response = client.get(reverse("member-card"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return response.content.decode()


def _verify(client, url_or_token):
    token = url_or_token.rstrip("/").rsplit("/", 1)[-1]
    return client.get(reverse("member-card-verify", args=[token]), REMOTE_ADDR="10.0.0.9")


def test_qr_on_card_page_decodes_to_a_link_that_verifies(client, carded, settings):
    user, membership = carded
    html = _card_page(client, user)
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    [url] = decode_svg(svg)
    assert url.startswith("http://testserver/card/verify/")
    assert f'data-verify-url="{url}"' in html
    client.logout()
    response = _verify(client, url)
    assert response.status_code == 200
    assert 'data-result="valid"' in response.content.decode()
    assert card.card_check(url.rstrip("/").rsplit("/", 1)[-1]).is_valid


@pytest.mark.parametrize("host", ["127.0.0.1:8101", "localhost:8000"])
def test_qr_link_is_on_the_host_the_card_was_served_from_when_no_site_url_is_set(
    client, carded, settings, host
):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    user, _membership = carded
    client.force_login(user)
    html = client.get(reverse("member-card"), HTTP_HOST=host).content.decode()
    [url] = decode_svg(re.search(r"<svg .*?</svg>", html, re.S).group(0))
    assert url.startswith(f"http://{host}/card/verify/")
    api = client.get(reverse("api-me-card"), HTTP_HOST=host)
    assert api.status_code == 200
    assert api.json()["verify_url"].startswith(f"http://{host}/card/verify/")


def test_qr_link_uses_the_configured_site_url_whatever_the_host(client, carded, settings):
    settings.SITE_URL = "https://unionhub.example.org/"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    user, _membership = carded
    client.force_login(user)
    html = client.get(reverse("member-card"), HTTP_HOST="127.0.0.1:8101").content.decode()
    [url] = decode_svg(re.search(r"<svg .*?</svg>", html, re.S).group(0))
    assert url.startswith("https://unionhub.example.org/card/verify/")


def test_card_page_shows_name_union_number_join_date_and_status(client, carded):
    user, membership = carded
    html = _card_page(client, user)
    for text in (
        "清小极",
        membership.union.name,
        membership.member_no,
        membership.joined_on.isoformat(),
        "正常",
    ):
        assert text in html
    assert user.person.id_number not in html and user.person.phone not in html


def test_link_with_any_one_character_changed_does_not_verify(client, carded):
    _user, membership = carded
    token = card.card_token(membership)
    assert card.card_check(token).is_valid
    for i, char in enumerate(token):
        changed = token[:i] + next(c for c in URL_CHARS if c != char) + token[i + 1 :]
        assert card.card_check(changed).result == "tampered", i
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    html = _verify(client, changed).content.decode()
    assert 'data-result="tampered"' in html and "二维码无法识别" in html
    assert "清" not in html.split("<main>")[1]


def test_link_past_its_expiry_does_not_verify(client, carded, settings, monkeypatch):
    _user, membership = carded
    token = card.card_token(membership)
    issued = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: issued + settings.CARD_LINK_MAX_AGE_SECONDS - 5)
    assert card.card_check(token).is_valid
    monkeypatch.setattr(signing.time, "time", lambda: issued + settings.CARD_LINK_MAX_AGE_SECONDS + 5)
    assert card.card_check(token).result == "expired"
    html = _verify(client, token).content.decode()
    assert 'data-result="expired"' in html and "二维码已过期" in html


@pytest.mark.parametrize("end", ["withdraw", "expel"])
def test_withdrawn_or_expelled_members_old_link_reports_invalid(client, city, carded, end):
    user, membership = carded
    token = card.card_token(membership)
    service = {"withdraw": services.membership_withdraw, "expel": services.membership_expel}[end]
    service(membership_id=membership.pk, actor=city.branch_staff, reason="经谈话后决定")
    check = card.card_check(token)
    assert check.result == "invalid" and check.masked_name == "" and check.union_name == ""
    html = _verify(client, token).content.decode()
    assert 'data-result="invalid"' in html and "会员卡无效" in html
    assert "清*极" not in html and membership.union.name not in html
    page = _card_page(client, user)
    assert 'data-testid="card-none"' in page and "<svg" not in page


def test_link_from_before_a_wrong_auto_withdrawal_stays_invalid_after_reinstatement(city, carded, today):
    _user, membership = carded
    old = card.card_token(membership)
    services.membership_auto_withdraw(
        membership=Membership.objects.get(pk=membership.pk), reason="欠费", on=membership.joined_on, detail={}
    )
    services.membership_reinstate(membership_id=membership.pk, actor=city.branch_staff, reason="误退")
    membership = Membership.objects.get(pk=membership.pk)
    assert membership.status == MembershipStatus.ACTIVE
    assert card.card_check(old).result == "invalid"
    assert card.card_check(card.card_token(membership)).is_valid


def test_transfer_to_another_union_invalidates_old_link(city, carded):
    _user, membership = carded
    old = card.card_token(membership)
    services.membership_move(
        membership_id=membership.pk, to_union=city.sibling, actor=None, kind="transfer", reason="转会"
    )
    assert card.card_check(old).result == "invalid"
    check = card.card_check(card.card_token(Membership.objects.get(pk=membership.pk)))
    assert check.is_valid and check.union_name == city.sibling.name


def test_retained_members_card_says_retained_and_still_verifies(client, city, carded):
    user, membership = carded
    services.membership_retain(membership_id=membership.pk, actor=city.branch_staff, reason="retired")
    html = _card_page(client, user)
    assert 'data-testid="card-retained"' in html and "保留会籍" in html
    url = re.search(r'data-verify-url="([^"]+)"', html).group(1)
    check = card.card_check(url.rstrip("/").rsplit("/", 1)[-1])
    assert check.is_valid and check.retained


def test_verification_page_shows_nothing_personal_beyond_masked_name(client, carded):
    user, membership = carded
    person = user.person
    response = _verify(client, card.card_token(membership))
    html = response.content.decode()
    assert "清*极" in html and membership.union.name in html
    for secret in (
        person.name,
        person.id_number,
        person.id_number_masked,
        person.phone,
        person.phone_masked,
        membership.member_no,
        person.birth_date.isoformat(),
        membership.joined_on.isoformat(),
    ):
        assert secret not in html, secret
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "sessionid" not in response.cookies


def test_verification_is_rate_limited_per_ip(client, carded, settings):
    settings.CARD_VERIFY_RATE = "3/h"
    token = card.card_token(carded[1])
    url = reverse("member-card-verify", args=[token])
    assert [client.get(url, REMOTE_ADDR="10.1.1.1").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url, REMOTE_ADDR="10.1.1.1")
    assert limited.status_code == 429
    assert "清*极" not in limited.content.decode()
    assert client.get(url, REMOTE_ADDR="10.1.1.2").status_code == 200
    bad = reverse("member-card-verify", args=["x" + token])
    assert client.get(bad, REMOTE_ADDR="10.1.1.1").status_code == 429  # tampered links count too


def test_card_is_off_until_the_member_confirms_with_their_own_id_number(client, city):
    user, membership = f.member(city.branch)
    assert membership.card_active is False
    client.force_login(user)
    home = client.get(reverse("member-home")).content.decode()
    assert 'data-testid="home-card"' in home and reverse("member-card-activate") in home
    assert 'data-testid="card-activate"' in client.get(reverse("member-card")).content.decode()
    other = f.id_number()
    response = client.post(reverse("member-card-activate"), {"id_number": other}, follow=True)
    assert "身份证号码与登记信息不一致" in response.content.decode()
    membership = Membership.objects.get(pk=membership.pk)
    assert membership.card_active is False
    assert client.get(reverse("member-card-activate")).status_code == 405
    client.post(reverse("member-card-activate"), {"id_number": user.person.id_number.lower()})
    membership = Membership.objects.get(pk=membership.pk)
    assert membership.card_active is True
    assert AuditEntry.objects.filter(action="card_activate", object_id=str(membership.pk)).count() == 1
    assert "<svg" in client.get(reverse("member-card")).content.decode()
    home = client.get(reverse("member-home")).content.decode()
    assert "出示会员卡" in home


def test_member_who_asked_for_a_card_at_joining_has_it_on_approval(client, city):
    user = f.person_user(name="王五")
    user.person.wants_card = True
    user.person.save()
    membership = services.membership_create(
        person=user.person, union=city.branch, dues_mode="self_pay", actor=city.branch_staff
    )
    assert membership.card_active is True
    assert "<svg" in _card_page(client, user)


def test_someone_elses_membership_cannot_be_activated(city):
    user, _membership = f.member(city.branch)
    _other_user, other_membership = f.member(city.branch)
    from unionhub.lib.errors import BusinessError

    with pytest.raises(BusinessError) as err:
        card.membership_card_activate(
            membership_id=other_membership.pk, actor=user, id_number=user.person.id_number
        )
    assert err.value.code == "not_your_membership"


def test_person_without_membership_sees_no_card(client, city):
    user = f.person_user()
    html = _card_page(client, user)
    assert 'data-testid="card-none"' in html and "入会后即可使用电子会员卡" in html
    assert 'data-testid="home-card"' not in client.get(reverse("member-home")).content.decode()


def test_card_api_gives_a_link_that_verifies(api_for, carded):
    user, membership = carded
    data = api_for(user).get("/api/v1/me/card/").json()
    assert data["available"] is True and data["member_no"] == membership.member_no
    assert card.card_check(data["verify_url"].rstrip("/").rsplit("/", 1)[-1]).is_valid


def test_staff_account_is_sent_to_admin_from_card_page(client, city):
    client.force_login(city.branch_staff)
    assert client.get(reverse("member-card"))["Location"].startswith("/admin/")
