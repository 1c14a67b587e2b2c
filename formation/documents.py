"""《工会组建通知书》: the notice a county union sends to an employer without a union."""

from formation.models import UnionFormationCase
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
