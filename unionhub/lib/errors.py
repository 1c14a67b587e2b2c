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
