"""gunicorn's access log through the same masking as Django's logs (gunicorn.conf.py `logger_class`)."""

from gunicorn.glogging import Logger

from unionhub.lib.logging import scrub


class GunicornLogger(Logger):
    """The request line, the query string, the referer and every header atom are scrubbed of ID and mobile
    numbers before the access line is written."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: scrub(value) if isinstance(value, str) else value for key, value in atoms.items()}
