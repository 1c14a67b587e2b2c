"""Redis cache that degrades instead of failing when Redis is down.

Every operation goes to Redis; when Redis cannot be reached (a `redis.RedisError`), the call is answered locally
and the request goes on:

- ``"fallback": "local"`` (the default alias): a small per-process memory cache stands in, so DRF throttles and
  django-ratelimit keep counting per process (a stricter limit than none; it fails open only per process), and
  cached values (the dues rate, import progress) are read again from the database and kept for at most
  ``LOCAL_TIMEOUT`` seconds.
- ``"fallback": "miss"`` (the sessions alias): every read misses and every write is dropped, so the cached-database
  session store reads and writes the database alone.

Keys written or deleted while Redis was down are remembered (per process, bounded) and deleted from Redis on the
first call that reaches it again, so a value changed during the outage (a logout, a new rate) is never served stale
from Redis afterwards.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_READS = ("get", "get_many", "has_key")
_WRITES = ("set", "add", "delete", "touch", "incr", "set_many", "delete_many")
_TIMEOUT_AT = {"set": 2, "add": 2, "set_many": 1, "touch": 1}


class FailoverRedisCache(RedisCache):
    MAX_DIRTY = 10_000

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.fallback = options.pop("fallback", "local")
        self.local_timeout = int(options.pop("local_timeout", 60))
        self.retry_after = float(options.pop("retry_after", 5))
        # fail fast: a closed or silent Redis must not hold a request for long
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._local = LocMemCache(
            f"failover-{id(self)}", {"TIMEOUT": self.local_timeout, "OPTIONS": {"MAX_ENTRIES": 5000}}
        )
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._dirty: set[str] = set()
        self._dirty_overflow = False

    # --- state ---------------------------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until

    def _went_down(self, exc: Exception, op: str) -> None:
        if not self.degraded:
            log.warning("cache unavailable (%s during %s); answering locally", type(exc).__name__, op)
        self._down_until = time.monotonic() + self.retry_after

    def _remember(self, op: str, args, kwargs) -> None:
        keys = args[0] if args else kwargs.get("keys") or kwargs.get("key") or kwargs.get("data")
        if isinstance(keys, dict):
            keys = list(keys)
        elif isinstance(keys, str):
            keys = [keys]
        with self._lock:
            for key in keys or ():
                if len(self._dirty) >= self.MAX_DIRTY:
                    self._dirty_overflow = True
                    break
                self._dirty.add(key)

    def _clean(self) -> None:
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            overflow, self._dirty_overflow = self._dirty_overflow, False
        if dirty:
            try:
                super().delete_many(list(dirty))
            except RedisError:
                with self._lock:
                    self._dirty |= dirty
                raise
        if overflow:
            log.warning("more keys changed during the cache outage than remembered; some may be stale")

    def _capped(self, timeout):
        if timeout is None or not isinstance(timeout, int | float) or timeout > self.local_timeout:
            return self.local_timeout
        return timeout

    # --- the operations ----------------------------------------------------------------------------------

    def _call(self, op: str, *args, **kwargs):
        if not self.degraded:
            try:
                if self._dirty:
                    self._clean()
                return getattr(super(), op)(*args, **kwargs)
            except RedisError as exc:
                self._went_down(exc, op)
        if op in _WRITES:
            self._remember(op, args, kwargs)
        return self._answer_locally(op, *args, **kwargs)

    def _answer_locally(self, op: str, *args, **kwargs):
        if self.fallback == "local":
            at = _TIMEOUT_AT.get(op)
            if at is not None:  # nothing is kept locally for longer than local_timeout
                if len(args) > at:
                    args = (*args[:at], self._capped(args[at]), *args[at + 1 :])
                elif "timeout" in kwargs:
                    kwargs["timeout"] = self._capped(kwargs["timeout"])
            return getattr(self._local, op)(*args, **kwargs)
        # "miss": behave like an empty cache that keeps nothing
        if op == "get":
            return args[1] if len(args) > 1 else kwargs.get("default")
        if op == "get_many":
            return {}
        if op == "incr":
            raise ValueError("Key not found.")
        if op == "set_many":
            return []
        return False


def _make(op):
    def method(self, *args, **kwargs):
        return self._call(op, *args, **kwargs)

    method.__name__ = op
    return method


for _op in (*_READS, *_WRITES):
    setattr(FailoverRedisCache, _op, _make(_op))
