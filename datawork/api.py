"""统计分析 for apps: the dashboard's figures (datawork.stats) as JSON, scoped like the dashboard.

GET /api/v1/stats/ answers for the caller's own union, GET /api/v1/stats/unions/{id}/ for a union of the caller's
subtree (404 outside it, exactly like a missing union). Staff only (403 for members); the business date decides
the months shown."""

from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.models import ApplicationState
from datawork import stats
from members import selectors
from members.models import Union
from members.permissions import IsUnionStaff
from unionhub.lib import clock


class UnionRowOut(serializers.Serializer):
    name = serializers.CharField()
    members = serializers.IntegerField(help_text="会员数（含下级工会，保留会籍人员不计）")


class MembersOut(serializers.Serializer):
    total = serializers.IntegerField(help_text="本工会及下级工会会员合计，保留会籍人员不计")
    own = serializers.IntegerField(help_text="直属本工会的会员")
    retained = serializers.IntegerField(help_text="保留会籍人员（不计入会员）")
    per_union = UnionRowOut(many=True, help_text="直属下级工会，各含其下级合计")


class MonthCountOut(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    count = serializers.IntegerField()


class StateCountOut(serializers.Serializer):
    state = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class InTimeOut(serializers.Serializer):
    decided = serializers.IntegerField(help_text="已办结（批准或不予批准）")
    on_time = serializers.IntegerField(help_text="在3个工作日办结期限内办结")
    share = serializers.DecimalField(max_digits=5, decimal_places=1, help_text="按期办结率（%）")


class ApplicationsOut(serializers.Serializer):
    total = serializers.IntegerField()
    by_state = StateCountOut(many=True)
    within_3_working_days = InTimeOut(allow_null=True)


class MonthAmountOut(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ArrearsOut(serializers.Serializer):
    months_3_5 = serializers.IntegerField(help_text="连续欠费3–5个月")
    months_6 = serializers.IntegerField(help_text="连续欠费6个月")
    over_6 = serializers.IntegerField(help_text="连续欠费6个月以上")


class DuesOut(serializers.Serializer):
    collected_per_month = MonthAmountOut(many=True)
    collection_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text="本年度至今应缴月份中已缴的比例（0–1）"
    )
    paid_months = serializers.IntegerField(allow_null=True)
    required_months = serializers.IntegerField(allow_null=True)
    arrears = ArrearsOut(allow_null=True)
    arrears_as_of = serializers.DateField(allow_null=True, help_text="最近一次欠费清查的业务日期")


class UnionRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StatsOut(serializers.Serializer):
    union = UnionRefOut()
    as_of = serializers.DateField(help_text="业务日期")
    members = MembersOut()
    new_members = MonthCountOut(many=True, help_text="近12个月每月新入会人数")
    applications = ApplicationsOut(allow_null=True)
    dues = DuesOut(allow_null=True)


ARREARS_KEYS = {"3-5": "months_3_5", "6": "months_6", ">6": "over_6"}


def stats_payload(union: Union) -> dict:
    today = clock.today()
    figures = stats.dashboard(union, today)
    members = figures["members"]
    payload = {
        "union": {"id": union.pk, "name": union.name},
        "as_of": today,
        "members": {
            "total": members["total"],
            "own": members["own"],
            "retained": members["retained"],
            "per_union": [{"name": name, "members": n} for name, n in members["rows"]],
        },
        "new_members": [{"month": m, "count": n} for m, n in figures["new_members"]],
        "applications": None,
        "dues": None,
    }
    if figures["applications"] is not None:
        panel = figures["applications"]
        payload["applications"] = {
            "total": panel["total"],
            "by_state": [
                {"state": value, "label": label, "count": n}
                for value, (label, n) in zip(ApplicationState.values, panel["by_state"], strict=True)
            ],
            "within_3_working_days": panel["in_time"],
        }
    if figures["dues"] is not None:
        dues = figures["dues"]
        arrears = dues.get("arrears")
        collection = dues.get("collection") or {}
        payload["dues"] = {
            "collected_per_month": [{"month": m, "amount": Decimal(a)} for m, a in dues["per_month"]],
            "collection_rate": dues.get("collection_rate"),
            "paid_months": collection.get("paid_months"),
            "required_months": collection.get("required_months"),
            "arrears": {key: arrears.get(label, 0) for label, key in ARREARS_KEYS.items()}
            if arrears
            else None,
            "arrears_as_of": dues.get("arrears_as_of"),
        }
    return StatsOut(payload).data


class OwnStatsApi(APIView):
    """The statistics of the caller's own union and everything below it."""

    permission_classes = [IsUnionStaff]

    @extend_schema(responses=StatsOut, tags=["staff"], summary="统计分析：本工会")
    def get(self, request):
        union = (
            request.user.union
            if request.user.union_id
            else (selectors.union_scope(request.user).order_by("depth", "path").first())
        )
        if union is None:
            raise Http404
        return Response(stats_payload(union))


class UnionStatsApi(APIView):
    """The statistics of one union of the caller's subtree (404 outside it)."""

    permission_classes = [IsUnionStaff]

    @extend_schema(responses=StatsOut, tags=["staff"], summary="统计分析：指定工会")
    def get(self, request, pk: int):
        union = get_object_or_404(selectors.union_scope(request.user), pk=pk)
        return Response(stats_payload(union))
