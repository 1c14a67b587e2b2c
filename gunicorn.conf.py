"""gunicorn settings read from the working directory (`gunicorn unionhub.wsgi:application`).

The access log leaves the query string out (`%(U)s` is the path only) and passes every atom (referer, headers)
through the masking filter of Django's logs (unionhub.gunicorn_logging.GunicornLogger): an ID number or a phone never
reaches it in clear."""

import os

logger_class = "unionhub.gunicorn_logging.GunicornLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
