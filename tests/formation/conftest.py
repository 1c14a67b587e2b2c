import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from formation import services
from formation.models import Founding, FoundingDocumentKind
from tests.members import factories as f


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def scan(name="scan.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


COMMITTEES = {
    "union": [
        {"name": "王主席", "gender": "M", "position": "主席"},
        {"name": "李委员", "gender": "F", "position": "委员"},
    ],
    "audit": [{"name": "赵审查", "gender": "M", "position": "主任"}],
    "women": [{"name": "钱女工", "gender": "F", "position": "主任"}],
}


def found_until_elected(actor, founding):
    services.founding_apply(founding_id=founding.pk, actor=actor, member_count=30, has_women_members=True)
    services.founding_request_congress(
        founding_id=founding.pk,
        actor=actor,
        congress_on=dt.date(2026, 3, 20),
        election_form="direct",
        candidates=COMMITTEES,
    )
    services.founding_report_election(founding_id=founding.pk, actor=actor, elected=COMMITTEES)
    for kind in FoundingDocumentKind.values:
        services.founding_scan_upload(founding_id=founding.pk, actor=actor, kind=kind, scan=scan())
    return Founding.objects.get(pk=founding.pk)


def open_founding(city, actor=None, employer_name="某科技公司"):
    return services.founding_open(
        actor=actor or city.county_a_admin,
        parent=city.county_a,
        employer_name=employer_name,
        union_name="",
        contact_name="孙筹备",
        contact_phone="0717-1234567",
        group_members=[{"name": "孙筹备", "position": "组长"}, {"name": "周成员", "position": "成员"}],
    )


__all__ = ["f"]
