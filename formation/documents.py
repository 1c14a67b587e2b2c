"""《工会组建通知书》 (the notice a county union sends to an employer without a union) and the four founding
documents the preparatory group sends its parent union."""

from formation.models import DOCUMENT_FROM_STATE_KEYS, Founding, FoundingDocumentKind, UnionFormationCase
from unionhub.lib import clock, pdf

FORMATION_NOTICE_TITLE = "工会组建通知书"


def _day(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else ""


def formation_notice_pdf(case: UnionFormationCase) -> bytes:
    """The notice text of the Yichang seed, addressed to the employer and signed by the county union."""
    county = case.county
    return pdf.render(
        title=FORMATION_NOTICE_TITLE,
        paragraphs=[
            *([case.notice_no] if case.notice_no else []),
            f"{case.employer_name}：",
            (
                "根据《中华人民共和国工会法》、《中国工会章程》的规定，中国境内所有企业、机关、事业单位都应依法组建工会组织。"
                "目前贵单位尚未建立工会组织，请接到通知后，予以重视，立即着手进行工会组建工作。"
            ),
            (
                f"组建过程中如有问题，请与{county.name}联系，我们将予以指导和帮助。上级工会派员帮助和指导建会工作时，"
                "烦请贵单位给予支持，并提供必要的条件。"
            ),
            "特此通知。",
            f"联系人：{county.leader_name or ''}",
            f"联系电话：{county.phone or ''}",
        ],
        closing=[county.name, _day(case.notice_issued_on or clock.today())],
    )


COMMITTEE_TITLES = {"union": "工会委员会", "audit": "经费审查委员会", "women": "女职工委员会"}
GENDERS = {"M": "男", "F": "女"}


def _committee_rows(committees: dict) -> list[list[str]]:
    rows = [["委员会", "姓名", "性别", "职务"]]
    for key, title in COMMITTEE_TITLES.items():
        for member in committees.get(key, []):
            rows.append([title, member["name"], GENDERS.get(member["gender"], ""), member["position"]])
    return rows


def founding_document_pdf(founding: Founding, kind: str) -> tuple[bytes, str]:
    """One of the four founding documents (Yichang seed, 督促建会 2(2)), addressed to the parent union, to print,
    sign and seal. LookupError for an unknown kind or one whose step the founding has not reached."""
    if kind not in DOCUMENT_FROM_STATE_KEYS or not founding.reached(DOCUMENT_FROM_STATE_KEYS[kind]):
        raise LookupError(kind)
    title = str(FoundingDocumentKind(kind).label)
    parent, employer = founding.parent.name, founding.employer_name
    closing = [f"{employer}工会筹备组", _day(clock.today())]
    table_rows = None
    if kind == FoundingDocumentKind.GROUP_LETTER:
        members = "、".join(
            f"{m['name']}（{m['position']}）" if m.get("position") else m["name"]
            for m in founding.group_members
        )
        paragraphs = [
            f"{parent}：",
            (
                f"根据《中华人民共和国工会法》和《中国工会章程》的规定，经{employer}职工提议并与单位行政协商，"
                f"决定成立{employer}工会筹备组，负责筹建{founding.union_name}。"
            ),
            f"筹备组成员：{members or '（待补充）'}。",
            f"筹备组联系人：{founding.contact_name}，联系电话：{founding.contact_phone}。",
            "特此函告，请予指导。",
        ]
    elif kind == FoundingDocumentKind.APPLICATION:
        paragraphs = [
            f"{parent}：",
            (
                f"{employer}工会筹备组成立以来，广泛宣传工会法律法规，积极发展会员，目前已发展会员{founding.member_count}人。"
                f"为维护职工合法权益，经筹备组研究，拟建立{founding.union_name}。"
            ),
            "妥否，请批示。",
        ]
    elif kind == FoundingDocumentKind.CONGRESS_REQUEST:
        form = {"direct": "直接选举", "indirect": "间接选举"}.get(founding.election_form, "")
        paragraphs = [
            f"{parent}：",
            (
                f"经筹备组研究，拟于{_day(founding.congress_on)}召开{employer}第一次会员（代表）大会，以{form}的形式"
                "选举产生工会委员会、经费审查委员会"
                + ("和女职工委员会" if founding.candidates.get("women") else "")
                + "。委员候选人名单如下。"
            ),
            "妥否，请批示。",
        ]
        table_rows = _committee_rows(founding.candidates)
    else:
        paragraphs = [
            f"{parent}：",
            (
                f"{employer}第一次会员（代表）大会于{_day(founding.congress_on)}召开，"
                "大会选举产生了工会委员会、经费审查委员会"
                + ("和女职工委员会" if founding.elected.get("women") else "")
                + "，当选人员名单如下。"
            ),
            "特此报告，请予批复。",
        ]
        table_rows = _committee_rows(founding.elected)
    content = pdf.render(title=title, paragraphs=paragraphs, closing=closing, table_rows=table_rows)
    return content, f"{title}-{founding.pk}.pdf"
