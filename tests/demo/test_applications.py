import pytest
from django.core.management import call_command

from applications.models import JoinApplication
from casework.models import ApplicationState
from casework.selectors import overdue_q
from unionhub.lib import clock

pytestmark = pytest.mark.django_db


def test_demo_city_has_applications_in_every_state_on_both_routes_and_transfer_cases(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    call_command("demo_city", stdout=open("/dev/null", "w"))  # noqa: SIM115
    seen = {(app.route, app.state) for app in JoinApplication.objects.all()}
    for state in ApplicationState.values:
        assert ("dispatch", state) in seen
    for state in ["submitted", "approved", "rejected", "withdrawn"]:
        assert ("direct", state) in seen
    assert JoinApplication.objects.filter(overdue_q(clock.today())).exists()
    assert JoinApplication.objects.exclude(proof_file="").exists()
    # transfers part of the demo
    from formation.models import UnionFormationCase
    from members.models import MembershipEvent
    from transfers.models import TransferApplication

    assert TransferApplication.objects.filter(state="approved", secondment_until__isnull=False).exists()
    assert TransferApplication.objects.filter(state="dispatched").exists()
    assert MembershipEvent.objects.filter(kind="move_out").exists()
    assert UnionFormationCase.objects.get().member_count >= 25
