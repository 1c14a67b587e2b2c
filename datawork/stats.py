"""Figures for the statistics dashboard. Every panel is plain data: labels, numbers, and the table behind a chart.

Member panels read memberships. The application and dues panels read those apps when they are installed and have
their models; otherwise they say there is no data yet. A dues app may provide
`dues.selectors.dashboard_figures(*, union: Union, today: date) -> dict` with the keys `per_month`
([(YYYY-MM, Decimal)]), `collection_rate` (Decimal 0..1 or None) and `arrears` ({"1-2": n, "3-5": n, "6": n,
">6": n}); without it, the amount collected per month is summed from paid payments.
"""

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth

from casework.models import ApplicationState
from dues import selectors as dues_selectors
from members import selectors
from members.models import Membership, MembershipStatus, Union
from unionhub.dbrouters import replica_reads
from unionhub.lib import months

MONTHS_SHOWN = 12
NO_DATA = "暂无数据"


def _month_labels(today: dt.date) -> list[dt.date]:
    end = months.add_months(months.month_of(today), 1)
    return months.month_range(months.add_months(end, -MONTHS_SHOWN), end)


def members_per_union(root: Union) -> dict:
    """The union and each union directly below it, with members of their whole subtree (retained excluded)."""
    subtree = list(Union.objects.filter(path__startswith=root.path).only("pk", "path", "name", "parent_id"))
    totals = selectors.union_member_counts_rolled_up(subtree)
    children = sorted((u for u in subtree if u.parent_id == root.pk), key=lambda u: (-totals[u.pk], u.path))
    retained = Membership.objects.filter(
        union__path__startswith=root.path, status=MembershipStatus.RETAINED
    ).count()
    return {
        "total": totals[root.pk],
        "own": totals[root.pk] - sum(totals[u.pk] for u in children),
        "retained": retained,
        "rows": [(u.name, totals[u.pk]) for u in children],
    }


def new_members_per_month(root: Union, today: dt.date) -> list[tuple[str, int]]:
    labels = _month_labels(today)
    counts = dict(
        Membership.objects.filter(
            union__path__startswith=root.path,
            joined_on__gte=labels[0],
            joined_on__lt=months.add_months(labels[-1], 1),
        )
        .annotate(month=TruncMonth("joined_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return [(months.format_month(m), counts.get(m, 0)) for m in labels]


def _model(app_label: str, name: str):
    if not apps.is_installed(app_label):
        return None
    try:
        return apps.get_model(app_label, name)
    except (LookupError, ImportError):
        return None


def _has_fields(model, *names: str) -> bool:
    try:
        for name in names:
            model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def applications_panel(root: Union) -> dict | None:
    """Join applications in the union's scope by state (every state, in workflow order), and the share of decided
    ones (approved or rejected) decided by their due date, which is 3 working days after submission.

    In scope: applications to a union of the subtree, those dispatched to a county of the subtree and, for the city,
    those not yet given a union or county (dispatch route, waiting for the city)."""
    model = _model("applications", "JoinApplication")
    if model is None:
        return None
    in_scope = Q(union__path__startswith=root.path) | Q(county__path__startswith=root.path)
    if root.parent_id is None:
        in_scope |= Q(union__isnull=True, county__isnull=True)
    scoped = model.objects.filter(in_scope)
    counts = dict(scoped.values("state").annotate(n=Count("pk")).values_list("state", "n"))
    by_state = [(str(label), counts.get(value, 0)) for value, label in ApplicationState.choices]
    decided = scoped.filter(
        state__in=[ApplicationState.APPROVED, ApplicationState.REJECTED], decided_at__isnull=False
    )
    total = decided.count()
    in_time = None
    if total:
        # decided_at is a moment, due_at a day: compare the local day of the decision with the due day
        on_time = (
            decided.annotate(decided_on=TruncDate("decided_at")).filter(decided_on__lte=F("due_at")).count()
        )
        in_time = {
            "decided": total,
            "on_time": on_time,
            "share": (Decimal(on_time * 100) / total).quantize(Decimal("0.1")),
        }
    return {"by_state": by_state, "total": sum(counts.values()), "in_time": in_time}


def dues_panel(root: Union, today: dt.date) -> dict | None:
    if not apps.is_installed("dues"):
        return None
    try:
        figures = getattr(dues_selectors, "dashboard_figures", None)
        if figures is not None:
            return figures(union=root, today=today)
    except ImportError:
        pass
    model = _model("dues", "Payment")
    if model is None or not _has_fields(model, "status", "paid_at", "amount", "membership"):
        return None
    try:
        labels = _month_labels(today)
        sums = dict(
            model.objects.filter(
                status="paid", membership__union__path__startswith=root.path, paid_at__date__gte=labels[0]
            )
            .annotate(month=TruncMonth("paid_at"))
            .values("month")
            .annotate(total=Sum("amount"))
            .values_list("month", "total")
        )
        by_month = {(m.date() if isinstance(m, dt.datetime) else m): v for m, v in sums.items()}
        return {
            "per_month": [(months.format_month(m), by_month.get(m, Decimal("0.00"))) for m in labels],
            "collection_rate": None,
            "arrears": None,
        }
    except (FieldError, ValueError, LookupError):
        return None


def dashboard(root: Union, today: dt.date) -> dict:
    """All the figures, read from the read replica when there is one (read-only: nothing here writes)."""
    with replica_reads():
        return {
            "members": members_per_union(root),
            "new_members": new_members_per_month(root, today),
            "applications": applications_panel(root),
            "dues": dues_panel(root, today),
        }
