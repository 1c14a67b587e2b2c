"""API plumbing shared by every app: error format, pagination, scope-aware lookups."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from unionhub.lib.errors import (
    ERROR_CODES,
    VIEW,
    BusinessError,
    NotInScope,
    error_code_get,
    strict_error_codes,
)


def error_codes(*codes: str):
    """Declare the codes a view (class) or one of its handlers (`post`, `get`…) may answer, next to it.

    The OpenAPI schema lists them per operation (unionhub.lib.schema); in tests an answered code that its view does
    not declare fails (`UNIONHUB_STRICT_ERROR_CODES`)."""

    def mark(target):
        target.error_codes = tuple(getattr(target, "error_codes", ())) + codes
        return target

    return mark


def declared_error_codes(view, method: str) -> tuple[str, ...]:
    """The codes declared on the view class and on its handler for `method`."""
    view_class = view if isinstance(view, type) else type(view)
    handler = getattr(view_class, method.lower(), None)
    return tuple(getattr(view_class, "error_codes", ())) + tuple(getattr(handler, "error_codes", ()))


class UndeclaredErrorCode(AssertionError):
    pass


def _check_declared(code: str, context) -> None:
    """Strict mode: a code its view did not declare fails, so the schema cannot fall behind the code."""
    view, request = context.get("view"), context.get("request")
    entry = error_code_get(code, where=type(view).__name__ if view else "")
    if not strict_error_codes() or view is None or request is None or entry is None or entry.where != VIEW:
        return
    if code not in declared_error_codes(view, request.method):
        raise UndeclaredErrorCode(
            f"{type(view).__module__}.{type(view).__name__} answered {request.method} with error code {code!r} "
            f"that it does not declare: add {code!r} to its @error_codes(...) (unionhub.lib.api)."
        )


def _field_errors_text(fields: dict) -> str:
    return "；".join(f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in fields.items())


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Every error answer is {"code", "detail"} (SPEC §8), except DRF's per-field lists for a bad body."""
    if isinstance(exc, BusinessError):
        _check_declared(exc.code, context)
        return Response(
            {"code": exc.code, "detail": exc.detail, **getattr(exc, "extra", {})}, status=exc.status_code
        )
    if isinstance(exc, NotInScope | Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        # A model or service check on the fields: the code, the messages as text, and the fields when known.
        code = getattr(exc, "code", None) or "invalid"
        if hasattr(exc, "error_list") and exc.error_list and exc.error_list[0].code:
            code = exc.error_list[0].code
        if code not in ERROR_CODES and not strict_error_codes():
            code = "invalid"
        _check_declared(code, context)
        if hasattr(exc, "error_dict"):
            fields = exc.message_dict
            return Response(
                {"code": code, "detail": _field_errors_text(fields), "fields": fields}, status=400
            )
        return Response({"code": code, "detail": " ".join(exc.messages)}, status=400)
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and not isinstance(exc, exceptions.ValidationError)
        and isinstance(response.data, dict)
        and "code" not in response.data
    ):
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(code, str):
            response.data = {"code": code, "detail": str(response.data.get("detail", ""))}
    return response


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
        if isinstance(
            exc, OperationalError | InterfaceError | BrokerError | RedisConnectionError | RedisTimeoutError
        ):
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
            response = JsonResponse(
                {"code": "unavailable", "detail": gettext("服务暂时不可用，请稍后重试。")}, status=503
            )
            response["Retry-After"] = "30"
            return response
        return JsonResponse(
            {"code": "server_error", "detail": gettext("服务器内部错误，请稍后重试。")}, status=500
        )
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
