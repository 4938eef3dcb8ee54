"""A Redis cache that degrades instead of failing.

Django's Redis backend raises on every call while the server is unreachable,
which turned a cache outage into a site outage. Here each call that fails
returns what a cache miss would (None, the default, False) so pages are
rendered and served uncached; after a failure the server is left alone for
NEWSROOM_CACHE_RETRY_SECONDS, so readers do not each wait for a timeout, and
the failure is logged once per interval rather than once per request. When
the server answers again the cache is used again, with nothing to restart.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger("newsroom.cache")

LOG_EVERY_SECONDS = 60


class ReusedRedisClient(RedisCacheClient):
    """Django's client makes a new redis.Redis for every cache call, and building one (its
    table of response callbacks) was a quarter of the time a cached page took (profiled).
    One per connection pool instead: a redis-py client is safe to share between threads, each
    command taking a connection from the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisClient
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._logged_at = 0.0
        self.last_error = None

    @property
    def available(self):
        return time.monotonic() >= self._down_until

    def _failed(self, error):
        now = time.monotonic()
        with self._lock:
            self._down_until = now + settings.NEWSROOM_CACHE_RETRY_SECONDS
            self.last_error = error
            if now - self._logged_at >= LOG_EVERY_SECONDS or not self._logged_at:
                self._logged_at = now
                logger.warning(
                    "缓存服务器不可用,页面暂不缓存(%s 秒后重试):%s",
                    settings.NEWSROOM_CACHE_RETRY_SECONDS,
                    type(error).__name__,
                )

    def _guard(self, call, fallback):
        if not self.available:
            return fallback
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - redis-py raises ConnectionError, TimeoutError, OSError…
            self._failed(error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def set(self, *args, **kwargs):
        return self._guard(lambda: super(ResilientRedisCache, self).set(*args, **kwargs), None)

    def add(self, *args, **kwargs):
        return self._guard(lambda: super(ResilientRedisCache, self).add(*args, **kwargs), False)

    def set_many(self, *args, **kwargs):
        return self._guard(lambda: super(ResilientRedisCache, self).set_many(*args, **kwargs), [])

    def touch(self, *args, **kwargs):
        return self._guard(lambda: super(ResilientRedisCache, self).touch(*args, **kwargs), False)

    def delete(self, *args, **kwargs):
        return self._guard(lambda: super(ResilientRedisCache, self).delete(*args, **kwargs), False)

    def delete_many(self, *args, **kwargs):
        return self._guard(
            lambda: super(ResilientRedisCache, self).delete_many(*args, **kwargs), None
        )

    def incr(self, key, delta=1, version=None):
        # A missing key raises ValueError, as Django's contract says (callers then set it);
        # only an outage is swallowed, returning None.
        if not self.available:
            return None
        try:
            return super().incr(key, delta, version)
        except ValueError:
            raise
        except Exception as error:  # noqa: BLE001
            self._failed(error)
            return None

    def clear(self):
        return self._guard(lambda: super(ResilientRedisCache, self).clear(), False)

    def ping(self):
        """True if the server answers now (the health check asks even while backing off)."""
        try:
            self._cache.get_client(write=False).ping()
        except Exception as error:  # noqa: BLE001
            self._failed(error)
            return False
        with self._lock:
            self._down_until = 0.0
        return True


def cache_status():
    """ "ok" or "degraded": whether the page cache is working. Never the error text."""
    ping = getattr(cache, "ping", None)
    if ping is None:
        return "ok"  # local memory: nothing to fail
    return "ok" if ping() else "degraded"
