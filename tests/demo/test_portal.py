import io

import pytest
from django.core.management import call_command

from members import selectors
from members.models import MembershipStatus, Person, ProfileChange
from notifications.models import OutboxMessage
from portal import card

pytestmark = pytest.mark.django_db


def test_demo_city_shows_cards_on_off_retained_and_withdrawn_with_messages_and_profile_changes():
    call_command("demo_city", stdout=io.StringIO())
    people = {p.name: p for p in Person.objects.all()}
    zhang, li, zhao, qian = (
        selectors.membership_current(people[n]) for n in ("张伟", "李娜", "赵敏", "钱进")
    )
    assert card.card_available(zhang) and card.card_check(card.card_token(zhang)).is_valid
    assert not li.card_active and li.status == MembershipStatus.ACTIVE
    assert zhao.status == MembershipStatus.RETAINED and card.card_check(card.card_token(zhao)).retained
    assert qian.status == MembershipStatus.WITHDRAWN and not card.card_available(qian)
    inbox = OutboxMessage.objects.filter(recipient=people["张伟"].user, channel="inbox")
    assert inbox.count() >= 3 and inbox.filter(read_at__isnull=True).count() >= 2
    assert ProfileChange.objects.filter(person=people["李娜"]).count() == 3
