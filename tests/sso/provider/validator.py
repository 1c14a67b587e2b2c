import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsFromFile(OAuth2Validator):
    """The claims of each provider user come from a JSON file the test writes ({username: {claim: value}}), so a
    test can name whichever person it made; they go into the ID token and the userinfo answer."""

    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request):
        with open(os.environ["PROVIDER_CLAIMS_FILE"], encoding="utf-8") as fh:
            return json.load(fh).get(request.user.username, {})
