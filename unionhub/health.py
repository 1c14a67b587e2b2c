from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthApi(APIView):
    """Liveness check; also the framework floor the benchmarks compare against."""

    api_summary = "健康检查"
    api_audience = ("system",)
    permission_classes = [AllowAny]
    authentication_classes = []

    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response({"status": "ok"})
