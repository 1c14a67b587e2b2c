"""Languages: Chinese by default, English through Django i18n; every entry translated, no bare Chinese in templates."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.members import factories as f

ROOT = Path(settings.BASE_DIR)
PO_FILE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
CHINESE = re.compile(
    r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)  # CJK punctuation, ideographs, full-width forms


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def member(city):
    user, _membership = f.member(city.branch, name="清小极")
    return user


def _switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302


# --- Pages -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client):
    page = client.get(reverse("member-login")).content.decode()
    assert '<html lang="zh-hans"' in page
    assert "没有账号？实名注册" in page
    assert "No account? Register with your real name" not in page


@pytest.mark.django_db
def test_login_page_in_english_after_switching_language(client):
    _switch_to_english(client)
    page = client.get(reverse("member-login")).content.decode()
    assert '<html lang="en"' in page
    assert "No account? Register with your real name" in page
    assert "Union staff please log in through the administration site" in page
    assert "没有账号" not in page


@pytest.mark.django_db
def test_login_page_follows_accept_language(client):
    page = client.get(reverse("member-login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No account? Register with your real name" in page


@pytest.mark.django_db
def test_member_home_is_chinese_by_default(client, member):
    client.force_login(member)
    page = client.get(reverse("member-home")).content.decode()
    assert "所属工会" in page and "会籍状态" in page and "正常" in page
    assert "Membership status" not in page


@pytest.mark.django_db
def test_member_home_in_english_after_switching_language(client, member):
    client.force_login(member)
    _switch_to_english(client)
    page = client.get(reverse("member-home")).content.decode()
    for text in ("Union", "Member number", "Membership status", "Active", "Dues payment method", "Self-pay"):
        assert text in page
    for text in ("所属工会", "会员编号", "会籍状态", "缴费方式", "自行缴费"):
        assert text not in page


@pytest.mark.django_db
def test_business_error_detail_follows_the_language(client, member):
    """A BusinessError detail is translated when raised: Chinese by default, English when asked for."""
    from members.profile import person_profile_update
    from unionhub.lib.errors import BusinessError

    with translation.override("en"), pytest.raises(BusinessError) as raised:
        person_profile_update(person_id=member.person_id, actor=member, changes={"name": "新名字"})
    assert raised.value.detail == "Name and ID number can only be changed by union staff."
    with pytest.raises(BusinessError) as raised:
        person_profile_update(person_id=member.person_id, actor=member, changes={"name": "新名字"})
    assert raised.value.detail == "姓名和身份证号码只能由工会工作人员修改。"


# --- The catalogue -----------------------------------------------------------------------------------------------


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text[1:-1])


def _po_entries(path: Path) -> list[dict]:
    """Entries of a .po file: {"flags": [...], "msgid": ..., "msgstr": ... or "msgstr[0]": ...}."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, key = {"flags": [], "obsolete": False}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line):
                key = match.group(1)
                entry[key] = _unquote(match.group(2))
            elif line.startswith('"') and key:
                entry[key] += _unquote(line)
        entries.append(entry)
    return entries


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\w+\}")


def test_english_catalogue_is_complete():
    entries = [e for e in _po_entries(PO_FILE) if e.get("msgid") and not e["obsolete"]]
    assert len(entries) > 100
    untranslated, fuzzy, broken = [], [], []
    for entry in entries:
        strings = [v for k, v in entry.items() if k.startswith("msgstr")]
        if not strings or not all(s.strip() for s in strings):
            untranslated.append(entry["msgid"])
        if "fuzzy" in entry["flags"]:
            fuzzy.append(entry["msgid"])
        for s in strings:
            if sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(entry["msgid"])):
                broken.append(entry["msgid"])
    assert untranslated == []
    assert fuzzy == []
    assert broken == []


def test_compiled_catalogue_is_up_to_date():
    mo_file = PO_FILE.with_suffix(".mo")
    assert mo_file.exists()
    with translation.override("en"):
        assert translation.gettext("会籍状态") == "Membership status"
        assert translation.gettext("职工服务中心工会") == "Reservoir union (workers' service centre union)"


# --- Templates ---------------------------------------------------------------------------------------------------

# Chinese may appear in a template only inside these; everything else a user reads goes through the catalogue.
ALLOWED_CHINESE = {
    "blocktranslate block": re.compile(
        r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S
    ),
    "translate tag": re.compile(r"\{%\s*trans(?:late)?\s.*?%\}", re.S),
    'translated literal _("...") in a tag or filter': re.compile(r"\b_\(\"[^\"]*\"\)"),
    "comment block": re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    "template comment": re.compile(r"\{#.*?#\}", re.S),
    "HTML comment": re.compile(r"<!--.*?-->", re.S),
}


def _template_files() -> list[Path]:
    dirs = [ROOT / "templates", *(p for p in ROOT.glob("*/templates") if ".venv" not in p.parts)]
    return sorted(p for d in dirs for p in d.rglob("*.html"))


def _bare_chinese(text: str) -> list[tuple[int, str]]:
    for pattern in ALLOWED_CHINESE.values():
        text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)  # keep line numbers
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if CHINESE.search(line)]


def test_templates_have_no_bare_chinese():
    files = _template_files()
    assert len(files) > 20
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line}"
        for path in files
        for n, line in _bare_chinese(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_bare_chinese_check_catches_untranslated_text():
    [(line_no, line)] = _bare_chinese('<p>\n{% translate "登录" %}：<a>注册</a></p>')
    assert line_no == 2 and "登录" not in line and "：" in line and "注册" in line
    assert _bare_chinese("{% blocktranslate %}共{{ n }}人{% endblocktranslate %}{# 说明 #}") == []
