"""The id of the request being served, for every log record written while serving it."""

import contextvars
import logging
import re
import uuid

current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# An id handed in by the proxy is kept only if it is short and plain (it goes into logs and a response header).
ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def accept_or_new(incoming: str | None) -> str:
    return incoming if incoming and ACCEPTABLE.match(incoming) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True
