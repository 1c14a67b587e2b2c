"""Errors raised by services; the API turns them into SPEC §8 answers."""


class BusinessError(Exception):
    """A rule refused the request: 400 {"code", "detail"}."""

    status_code = 400

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.detail = str(detail or code)


class InvalidTransition(BusinessError):
    """A transition not allowed from the current state (or not by this actor): 409."""

    status_code = 409

    def __init__(self, state: str, transition: str):
        super().__init__("invalid_transition", f"'{transition}' is not allowed from state '{state}'")
        self.state = state
        self.transition = transition


class NotInScope(Exception):
    """The object exists but lies outside the caller's scope: answered exactly like a missing object (404)."""


class MalformedBody(BusinessError):
    """A request body that cannot be taken as the API's input: not JSON, nested too deep, or not an object."""

    def __init__(self, detail: str = ""):
        from django.utils.translation import gettext

        super().__init__("parse_error", detail or gettext("请求内容格式不正确。"))


class InvalidCharacters(BusinessError):
    """Text holding characters no field may hold (NUL, lone UTF-16 surrogates), in the body or the query."""

    def __init__(self, where: str = ""):
        from django.utils.translation import gettext

        detail = gettext("请求内容含有不允许的字符（空字符或无效的 Unicode 字符）。")
        if where:
            detail = f"{detail} ({where})"
        super().__init__("invalid_characters", detail)
