"""Start the test OpenID Connect provider on a free loopback port: migrate its SQLite database, create its user
and the UnionHub client, print "READY <port>" and serve until terminated.

Environment: PROVIDER_DB, PROVIDER_RSA_KEY_FILE, PROVIDER_CLAIMS_FILE, PROVIDER_SETUP (JSON: users, client)."""

import json
import os

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso.provider.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def main() -> None:
    setup = json.loads(os.environ["PROVIDER_SETUP"])
    call_command("migrate", verbosity=0)
    for username, password in setup["users"].items():
        User.objects.create_user(username=username, password=password)
    client = setup["client"]
    Application.objects.create(
        name="UnionHub",
        client_id=client["id"],
        client_secret=client["secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=client["redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,
    )
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
