"""The yearly rate is cached; every write of a rate, by whatever path, is seen at once (dues.signals)."""

from decimal import Decimal

import pytest

from dues import selectors
from dues.models import DuesRate


@pytest.mark.django_db
def test_a_changed_or_deleted_rate_is_read_at_once_despite_the_cache():
    DuesRate.objects.update_or_create(year=2031, defaults={"monthly_amount": "10.00"})
    assert selectors.rate_for(2031) == Decimal("10.00")  # now cached
    rate = DuesRate.objects.get(year=2031)
    rate.monthly_amount = Decimal("12.50")
    rate.save()
    assert selectors.rate_for(2031) == Decimal("12.50")
    DuesRate.objects.create(year=2032, monthly_amount="15.00")
    assert selectors.rate_for(2032) == Decimal("15.00")
    DuesRate.objects.get(year=2032).delete()
    assert selectors.rate_for(2032) == Decimal("12.50")  # falls back to the latest earlier year
