"""Member pages opened inside WeChat (SPEC §9): once per session, a logged-in member without an Official Account
binding goes through the web OAuth (`snsapi_base`) to bind the openid, and a visitor who is not logged in goes
through it to be signed in, if the bound member chose so (`WeChatBinding.auto_login`).

Only GET requests of member pages (URL names `member-…`, but not the login, registration and card-check pages,
and the dues pages),
only with a `MicroMessenger` user agent, only when the Official Account is configured; each purpose is tried at
most once per session, so a refused or cancelled authorisation never loops.
"""

from security import wechat as services
from security import wechat_views
from unionhub.lib import wechat

SKIPPED_PAGES = {"member-login", "member-logout", "member-register", "member-card-verify"}
# The dues pages too: paying by JSAPI inside WeChat needs the Official Account openid.
DUES_PAGES = {"dues-home", "dues-pay", "dues-history", "dues-order"}


def inside_wechat(request) -> bool:
    return "MicroMessenger" in request.headers.get("User-Agent", "")


class WeChatOfficialMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if inside_wechat(request) and wechat.configured(wechat.OFFICIAL):
            # A form's redirects may end on WeChat's authorisation page (login → home → OAuth); browsers hold
            # each hop to the page's form-action, so inside WeChat it names WeChat's origin as well. This
            # middleware sits after django-csp's, so the policy is built from this on the way out.
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), wechat.open_origin()]
            response._csp_update = update
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "GET" or not inside_wechat(request) or not wechat.configured(wechat.OFFICIAL):
            return None
        name = getattr(request.resolver_match, "url_name", "") or ""
        if not (name.startswith("member-") or name in DUES_PAGES) or name in SKIPPED_PAGES:
            return None
        user = request.user
        if user.is_authenticated:
            if not services.wechat_login_allowed(user) or services.wechat_official_binding(user) is not None:
                return None
            purpose = wechat_views.BIND
        else:
            purpose = wechat_views.LOGIN
        if request.session.get(wechat_views.tried_key(purpose)):
            return None
        return wechat_views.oauth_start(request, purpose=purpose, next_url=request.get_full_path())
