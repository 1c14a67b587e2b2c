import pytest
from django.core.management import call_command

from formation.models import Founding
from members.models import Union
from members.selectors import union_term_due
from unionhub.lib import clock

pytestmark = pytest.mark.django_db


def test_demo_city_has_a_founding_under_way_and_a_union_due_for_renewal(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    call_command("demo_city", stdout=open("/dev/null", "w"))  # noqa: SIM115
    founding = Founding.objects.get()
    assert (founding.state, founding.parent.name) == ("applied", "西陵区总工会")
    due = [u.name for u in union_term_due(Union.objects.all(), today=clock.today())]
    assert due == ["伍家岗实验学校工会委员会"]
