"""Pagination for lists of a million rows: the count stops at a cap instead of counting the whole table."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from unionhub.lib.api import Pagination

COUNT_CAP = 1_000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`): a long list shows
    "more than 1,000" and its first 20 pages (filters and search narrow it), at the cost of a bounded scan,
    never a full-table COUNT(*)."""

    cap = COUNT_CAP

    @cached_property
    def count(self):
        if isinstance(self.object_list, list):
            return len(self.object_list)
        # without the list's ordering: the count needs no sort, the planner any index that finds the rows
        return self.object_list.order_by()[: self.cap + 1].count()


class CappedPagination(Pagination):
    """API lists: `count` is exact up to 1,000 and 1,001 means "more"."""

    django_paginator_class = CappedCountPaginator
