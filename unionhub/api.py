"""API plumbing shared by every app: error format, pagination, scope-aware lookups."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from unionhub.errors import BusinessError, NotInScope


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    if isinstance(exc, BusinessError):
        return Response({"code": exc.code, "detail": exc.detail}, status=exc.status_code)
    if isinstance(exc, NotInScope):
        exc = Http404()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        code = getattr(exc, "code", None) or "invalid"
        if hasattr(exc, "error_list") and exc.error_list and exc.error_list[0].code:
            code = exc.error_list[0].code
        return Response({"code": code, "detail": detail}, status=400)
    return drf_exception_handler(exc, context)


class StateOut(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()


class ErrorOut(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


def _dependency_down(exc) -> bool:
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError | BrokerError | RedisConnectionError
                      | RedisTimeoutError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def server_error(request):
    """handler500: under /api/ always JSON — 503 {"code": "unavailable"} when a dependency (PostgreSQL, Redis, the
    broker) is down, else 500 {"code": "server_error"}; pages get Django's usual error page (503 when a dependency
    is down)."""
    import sys

    down = _dependency_down(sys.exc_info()[1])
    if request.path.startswith("/api/"):
        if down:
            response = JsonResponse({"code": "unavailable", "detail": gettext("服务暂时不可用，请稍后重试。")},
                                    status=503)
            response["Retry-After"] = "30"
            return response
        return JsonResponse({"code": "server_error", "detail": gettext("服务器内部错误，请稍后重试。")}, status=500)
    response = defaults.server_error(request)
    if down:
        response.status_code = 503
        response["Retry-After"] = "30"
    return response


def page_not_found(request, exception):
    """A URL that matches nothing: JSON under /api/ (clients parse every answer), the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": gettext("未找到。")}, status=404)
    return defaults.page_not_found(request, exception)
