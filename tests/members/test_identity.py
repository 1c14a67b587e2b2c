import pytest

from members.identity import identity_verification_record, identity_verified_by, identity_verified_by_label
from members.models import IdentityVerification
from tests.members import factories as f
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_methods_are_recorded_once_each_in_order_and_shown_by_me(city, api_for):
    user, _ = f.member(city.branch, verified=False)  # an account from before phones were proven
    staff = f.staff(city.branch)
    assert identity_verified_by(user) == []
    assert identity_verified_by_label(user) == "未核验"

    identity_verification_record(user=user, method="sms")
    identity_verification_record(user=user, method="staff", actor=staff, note="核验身份证原件")
    identity_verification_record(user=user, method="sms")  # a second code proves nothing new

    assert identity_verified_by(user) == ["sms", "staff"]
    assert IdentityVerification.objects.filter(user=user).count() == 2
    assert identity_verified_by_label(user) == "手机验证码、工作人员核验证件"
    assert AuditEntry.objects.filter(action="identity.verified", object_id=str(user.pk)).count() == 2
    assert api_for(user).get("/api/v1/me/").json()["identity_verified_by"] == ["sms", "staff"]


def test_unknown_method_is_refused(city):
    user, _ = f.member(city.branch)
    with pytest.raises(ValueError):
        identity_verification_record(user=user, method="fax")
