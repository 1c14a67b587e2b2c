"""X-Request-ID: kept from the proxy when it sends a plain one, else made here; echoed on the response and written
into every log record of the request (unionhub.lib.requestid), including Django's own "Not Found" and error lines,
which are logged after the middleware has returned: the id is cleared only when the request has finished."""

from django.core.signals import request_finished

from unionhub.lib import requestid

HEADER = "X-Request-ID"


def _clear(**kwargs) -> None:
    requestid.current.set("-")


request_finished.connect(_clear, dispatch_uid="unionhub.requestid.clear")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = requestid.accept_or_new(request.headers.get(HEADER))
        requestid.current.set(request.request_id)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response
