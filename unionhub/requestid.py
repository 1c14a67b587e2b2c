"""X-Request-ID: kept from the proxy when it sends a plain one, else made here; echoed on the response and written
into every log record of the request (unionhub.lib.requestid)."""

from unionhub.lib import requestid

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = requestid.accept_or_new(request.headers.get(HEADER))
        token = requestid.current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            requestid.current.reset(token)
        response[HEADER] = request.request_id
        return response
