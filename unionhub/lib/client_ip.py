"""The client's address, as every limit counts it (DRF throttles, django-axes, django-ratelimit, the per-address
login-failure limit): `REMOTE_ADDR`, unless the immediate peer is one of our own reverse proxies
(`UNIONHUB_TRUSTED_PROXIES`, CIDRs); only then is `X-Forwarded-For` read, from the right, skipping our proxies.
A client that sends its own `X-Forwarded-For` straight to the server changes nothing."""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The address of whoever sent this request (a Django or DRF request)."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(settings.UNIONHUB_TRUSTED_PROXIES))
    if not _trusted(_parse(remote), networks):
        return remote
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return remote  # a malformed chain: count the proxy itself rather than guess
        if not _trusted(address, networks):
            return str(address)
    return str(_parse(hops[0])) if hops else remote


def axes_client_ip(request) -> str:
    """AXES_CLIENT_IP_CALLABLE."""
    return client_ip(request)


def ratelimit_key(group, request) -> str:
    """django-ratelimit `key=` for per-address limits."""
    return client_ip(request)


class ClientIpThrottleMixin:
    """DRF throttles: the same address as everything else (instead of DRF's NUM_PROXIES reading of XFF)."""

    def get_ident(self, request):
        return client_ip(request)


# --- failed logins from one address, across accounts -------------------------------------------------------


def _failures_key(address: str) -> str:
    return f"login-failures:{address}"


def login_failure_record(request) -> int:
    """Count one failed login from this request's address; the window starts at the first failure."""
    address = client_ip(request)
    if not address:
        return 0
    key = _failures_key(address)
    window = settings.UNIONHUB_LOGIN_FAILURES_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def address_blocked(request) -> bool:
    address = client_ip(request)
    return (
        bool(address)
        and (cache.get(_failures_key(address)) or 0) >= settings.UNIONHUB_LOGIN_FAILURES_PER_ADDRESS
    )


def blocked_message() -> str:
    return _("来自您所在网络地址的登录失败次数过多，请15分钟后再试。")
