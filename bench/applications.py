"""Generated city, applications part: as many join applications as members, in every state.

Closed applications (approved, rejected, withdrawn) belong to the generated members' people (approved ones are
linked to the membership they produced); open ones (submitted, dispatched, verified: one open application per
person at most) belong to extra people generated here, who have no membership.
"""

import datetime as dt

from django.utils import timezone

from applications.models import STATEMENT
from bench.copy import copy_rows, next_id, reset_sequence
from bench.members import copy_people
from members.models import Union, UnionLevel

OPEN_SHARE = 0.05
CLOSED_STATES = ["approved"] * 8 + ["rejected"] + ["withdrawn"]  # by index mod 10
OPEN_STATES = ["submitted", "submitted", "dispatched", "verified"]  # by index mod 4


def generate(*, rng, members: int, membership_start: int, person_start: int, unions, stdout=None, **_):
    open_count = max(4, int(members * OPEN_SHARE))
    extra_start = copy_people(members, open_count, len(unions), workers=2)
    counties = list(Union.objects.filter(level=UnionLevel.COUNTY).order_by("pk").values_list("pk", flat=True))
    union_county = {u.pk: u.parent_id for u in unions}
    start = next_id("applications_joinapplication")
    base = timezone.now() - dt.timedelta(days=730)
    today = timezone.localdate()

    def rows():
        total = members
        for n in range(total):
            created = base + dt.timedelta(seconds=n * 63072000 // total)
            due = created.date() + dt.timedelta(days=21)
            if n < total - open_count:
                state = CLOSED_STATES[n % 10]
                applicant, union = person_start + n, unions[n % len(unions)].pk
                county = union_county[union] if n % 3 == 0 else None
                membership = membership_start + n if state == "approved" else None
                decided = created + dt.timedelta(days=3)
                reason = "材料不全" if state == "rejected" else ""
            else:
                k = n - (total - open_count)
                state = OPEN_STATES[k % 4]
                applicant, membership, decided, reason = extra_start + k, None, None, ""
                created = timezone.now() - dt.timedelta(minutes=k)
                due = today + dt.timedelta(days=15 - k % 30)  # about half of them overdue
                union = unions[k % len(unions)].pk if state in ("verified",) or k % 8 == 1 else None
                county = counties[k % len(counties)] if state in ("dispatched", "verified") else None
                if state == "verified":
                    county = union_county[union]
            yield (
                start + n,
                f"基准单位{n % len(unions)}",
                "",
                state,
                due,
                reason,
                decided,
                created,
                created,
                "staff",
                None,
                STATEMENT,
                False,
                False,
                False,
                False,
                "",
                "",
                "",
                applicant,
                county,
                None,
                membership,
                union,
            )

    copy_rows(
        "applications_joinapplication",
        [
            "id",
            "unit_name",
            "employer_name",
            "state",
            "due_at",
            "reason",
            "decided_at",
            "created_at",
            "updated_at",
            "employment_type",
            "hire_date",
            "statement",
            "wants_card",
            "declared_retired",
            "legal_representative",
            "over_60",
            "proof_file",
            "proof_content_type",
            "dues_mode",
            "applicant_id",
            "county_id",
            "decided_by_id",
            "membership_id",
            "union_id",
        ],
        rows(),
    )
    reset_sequence("applications_joinapplication")
