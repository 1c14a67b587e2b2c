import threading

import pytest
from django.db import connection

from members import selectors
from members.models import Person
from members.profile import person_profile_update
from tests.conftest import postgres_only
from tests.members import factories as f
from unionhub.lib.errors import BusinessError

pytestmark = [postgres_only(), pytest.mark.django_db(transaction=True)]


def test_two_members_claiming_the_same_new_phone_at_once_one_wins(city):
    users = [f.member(city.branch)[0] for _ in range(2)]
    new_phone = f.phone()
    barrier = threading.Barrier(2)
    outcomes = []

    def claim(user):
        try:
            barrier.wait()
            person_profile_update(
                person_id=user.person.pk, actor=user, changes={"phone": new_phone}, password=f.PASSWORD
            )
            outcomes.append("ok")
        except BusinessError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "phone_taken"]
    winner = selectors.person_get_by_phone(new_phone)
    loser = next(u.person for u in users if u.person.pk != winner.pk)
    assert Person.objects.get(pk=loser.pk).phone == loser.phone
