"""A client of WeChat's server API (SPEC §9): mini-program login, Official Account web OAuth, access tokens and
subscribe messages.

Every address is built on `UNIONHUB_WECHAT_API_BASE` (default `https://api.weixin.qq.com`) and the OAuth page on
`UNIONHUB_WECHAT_OPEN_BASE` (default `https://open.weixin.qq.com`), so tests point both at a local stand-in.

The mini-program session key that `code2session` answers is dropped here: nothing above this module ever sees it.
Access tokens are cached (the Django cache, Redis in production) until shortly before they expire; one worker
fetches a new one under a lock while the others wait for it, so WeChat's daily token quota is not spent by a race.
"""

import logging
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import requests
from django.conf import settings
from django.core.cache import caches

log = logging.getLogger(__name__)

MINIPROGRAM = "miniprogram"
OFFICIAL = "official"

# errcode → meaning, for the codes the project answers differently
CODE_INVALID = {40029, 40163}  # invalid code; code already used
RATE_LIMITED = {45011}  # API minute-quota reached
BUSY = {-1}  # system busy, try again
TOKEN_INVALID = {40001, 40014, 42001}  # invalid, malformed or expired access token


class WeChatError(Exception):
    """WeChat answered an error (errcode, errmsg), or could not be reached. `retryable` errors may succeed later."""

    retryable = False

    def __init__(self, errcode: int, errmsg: str = "", *, answer: dict | None = None):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.answer = answer or {"errcode": errcode, "errmsg": errmsg}


class WeChatCodeInvalid(WeChatError):
    """The login or OAuth code is wrong, expired or already used (40029, 40163)."""


class WeChatRateLimited(WeChatError):
    """WeChat's rate for this API is used up for now (45011)."""

    retryable = True


class WeChatBusy(WeChatError):
    """WeChat is busy (-1) or could not be reached."""

    retryable = True


class WeChatNotConfigured(WeChatError):
    """The app's appid or secret is not set."""

    def __init__(self, app: str):
        super().__init__(0, f"WeChat {app} appid/secret not configured")


@dataclass(frozen=True)
class WeChatIdentity:
    """Who WeChat says the user is in one app. The mini-program session key is deliberately not kept."""

    openid: str
    unionid: str = ""


def credentials(app: str) -> tuple[str, str]:
    """(appid, secret) of the mini-program or the Official Account, from the settings ("" when unset)."""
    if app == MINIPROGRAM:
        return settings.UNIONHUB_WECHAT_MINIPROGRAM_APPID, settings.UNIONHUB_WECHAT_MINIPROGRAM_SECRET
    if app == OFFICIAL:
        return settings.UNIONHUB_WECHAT_OFFICIAL_APPID, settings.UNIONHUB_WECHAT_OFFICIAL_SECRET
    raise ValueError(f"unknown WeChat app {app!r}")


def open_origin() -> str:
    """The origin of WeChat's web authorisation page (scheme://host[:port] of UNIONHUB_WECHAT_OPEN_BASE)."""
    url = urlsplit(settings.UNIONHUB_WECHAT_OPEN_BASE)
    return f"{url.scheme}://{url.netloc}"


def configured(app: str) -> bool:
    appid, secret = credentials(app)
    return bool(appid and secret)


def _raise_for(answer: dict) -> dict:
    errcode = answer.get("errcode") or 0
    if errcode == 0:
        return answer
    errmsg = str(answer.get("errmsg", ""))
    if errcode in CODE_INVALID:
        raise WeChatCodeInvalid(errcode, errmsg, answer=answer)
    if errcode in RATE_LIMITED:
        raise WeChatRateLimited(errcode, errmsg, answer=answer)
    if errcode in BUSY:
        raise WeChatBusy(errcode, errmsg, answer=answer)
    raise WeChatError(errcode, errmsg, answer=answer)


def _call(method: str, path: str, *, params: dict, json: dict | None = None) -> dict:
    """One request to the API; the answer's errcode mapped to an exception. Secrets and tokens stay out of logs."""
    url = settings.UNIONHUB_WECHAT_API_BASE.rstrip("/") + path
    try:
        response = requests.request(
            method, url, params=params, json=json, timeout=settings.UNIONHUB_WECHAT_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("WeChat %s unreachable or unreadable: %s", path, type(exc).__name__)
        raise WeChatBusy(-1, type(exc).__name__) from exc
    if not isinstance(answer, dict):
        raise WeChatBusy(-1, "unexpected answer")
    if answer.get("errcode"):
        log.info("WeChat %s answered errcode %s", path, answer.get("errcode"))
    return _raise_for(answer)


# --- login --------------------------------------------------------------------------------------------------------


def code2session(appid: str, secret: str, js_code: str) -> WeChatIdentity:
    """The openid (and unionid) of a mini-program user from `wx.login`'s code (`/sns/jscode2session`)."""
    if not (appid and secret):
        raise WeChatNotConfigured(MINIPROGRAM)
    answer = _call(
        "GET",
        "/sns/jscode2session",
        params={"appid": appid, "secret": secret, "js_code": js_code, "grant_type": "authorization_code"},
    )
    answer.pop("session_key", None)
    if not answer.get("openid"):
        raise WeChatBusy(-1, "no openid in answer")
    return WeChatIdentity(openid=answer["openid"], unionid=answer.get("unionid") or "")


def oauth_authorize_url(*, redirect_uri: str, state: str, scope: str = "snsapi_base") -> str:
    """The Official Account's web authorisation page; WeChat sends the user back to `redirect_uri` with a code."""
    appid, _secret = credentials(OFFICIAL)
    query = urlencode(
        {
            "appid": appid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
        },
        quote_via=quote,
    )
    return (
        f"{settings.UNIONHUB_WECHAT_OPEN_BASE.rstrip('/')}/connect/oauth2/authorize?{query}#wechat_redirect"
    )


def oauth_access_token(code: str) -> WeChatIdentity:
    """The openid of an Official Account user from the web OAuth code (`/sns/oauth2/access_token`). The user's
    web access token is not kept: `snsapi_base` needs only the openid."""
    appid, secret = credentials(OFFICIAL)
    if not (appid and secret):
        raise WeChatNotConfigured(OFFICIAL)
    answer = _call(
        "GET",
        "/sns/oauth2/access_token",
        params={"appid": appid, "secret": secret, "code": code, "grant_type": "authorization_code"},
    )
    if not answer.get("openid"):
        raise WeChatBusy(-1, "no openid in answer")
    return WeChatIdentity(openid=answer["openid"], unionid=answer.get("unionid") or "")


# --- access tokens ------------------------------------------------------------------------------------------------


def _cache():
    return caches[settings.UNIONHUB_WECHAT_CACHE]


def _token_key(appid: str) -> str:
    return f"wechat:access-token:{appid}"


def _fetch_access_token(appid: str, secret: str) -> tuple[str, int]:
    if settings.UNIONHUB_WECHAT_STABLE_TOKEN:
        answer = _call(
            "POST",
            "/cgi-bin/stable_token",
            params={},
            json={
                "grant_type": "client_credential",
                "appid": appid,
                "secret": secret,
                "force_refresh": False,
            },
        )
    else:
        answer = _call(
            "GET",
            "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": appid, "secret": secret},
        )
    if not answer.get("access_token"):
        raise WeChatBusy(-1, "no access_token in answer")
    return answer["access_token"], int(answer.get("expires_in") or 7200)


def access_token(app: str) -> str:
    """The app's access token: from the cache while it has more than the margin to live, else fetched by exactly
    one caller (a lock in the cache) while concurrent callers wait for it to appear."""
    appid, secret = credentials(app)
    if not (appid and secret):
        raise WeChatNotConfigured(app)
    cache = _cache()
    key = _token_key(appid)
    token = cache.get(key)
    if token:
        return token
    lock_key = f"{key}:lock"
    lock_timeout = settings.UNIONHUB_WECHAT_TIMEOUT_SECONDS * 2 + 1
    owner = secrets.token_hex(8)
    deadline = time.monotonic() + lock_timeout + 1
    while True:
        if cache.add(lock_key, owner, timeout=lock_timeout):
            try:
                token = cache.get(key)  # fetched by another worker between our read and our lock
                if token:
                    return token
                token, expires_in = _fetch_access_token(appid, secret)
                ttl = max(expires_in - settings.UNIONHUB_WECHAT_TOKEN_MARGIN_SECONDS, 1)
                cache.set(key, token, timeout=ttl)
                log.info("WeChat %s access token fetched, cached for %ss", app, ttl)
                return token
            finally:
                if cache.get(lock_key) == owner:
                    cache.delete(lock_key)
        time.sleep(0.05)
        token = cache.get(key)
        if token:
            return token
        if time.monotonic() > deadline:
            raise WeChatBusy(-1, "timed out waiting for the access token")


def access_token_invalidate(app: str, token: str) -> None:
    """Drop the cached token when WeChat says it is no longer valid (only if it is still the one cached)."""
    appid, _secret = credentials(app)
    cache = _cache()
    if appid and cache.get(_token_key(appid)) == token:
        cache.delete(_token_key(appid))


# --- subscribe messages -------------------------------------------------------------------------------------------


def subscribe_message_send(
    *, touser: str, template_id: str, data: dict, page: str = "", miniprogram_state: str = ""
) -> dict:
    """Send a mini-program subscribe message (`/cgi-bin/message/subscribe/send`) with the cached access token;
    the answer (errcode 0 and msgid) is returned. A token WeChat calls invalid is dropped and fetched once more."""
    body = {
        "touser": touser,
        "template_id": template_id,
        "data": {name: {"value": value} for name, value in data.items()},
    }
    if page:
        body["page"] = page
    if miniprogram_state:
        body["miniprogram_state"] = miniprogram_state
    for attempt in (1, 2):
        token = access_token(MINIPROGRAM)
        try:
            return _call("POST", "/cgi-bin/message/subscribe/send", params={"access_token": token}, json=body)
        except WeChatError as exc:
            if exc.errcode in TOKEN_INVALID and attempt == 1:
                access_token_invalidate(MINIPROGRAM, token)
                continue
            raise
    raise AssertionError("unreachable")
