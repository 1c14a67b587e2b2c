import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from applications import services
from members.models import EmploymentType
from tests.members import factories as f


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def applicant(db):
    return f.person_user(name="刘小红", born=dt.date(1995, 5, 20), male=False)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    from unionhub.lib import pdf

    return pdf.render(title="委托入会证明", paragraphs=["兹委托该职工申请入会。"])


def logged_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def upload(name="letter.png", data=None, content_type="image/png"):
    return SimpleUploadedFile(name, png_bytes() if data is None else data, content_type=content_type)


def submit(user, union=None, **kwargs):
    fields = {
        "unit_name": "甲厂",
        "employment_type": EmploymentType.STAFF,
        "hire_date": dt.date(2024, 3, 1),
        "statement": "",
        "proof": None,
    }
    fields.update(kwargs)
    return services.join_application_submit(user=user, union=union, **fields)


@pytest.fixture
def submit_join():
    return submit
