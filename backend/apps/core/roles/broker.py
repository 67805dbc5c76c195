"""Waiting for the broker (Redis) before a worker role starts."""

from __future__ import annotations

import time

import redis

# Seconds between two attempts: a broker that comes up is noticed within a quarter second.
POLL_INTERVAL = 0.25
# Words of Redis's replies that mean the URL's credentials were refused: waiting longer
# would not help, the configuration must change.
CREDENTIAL_WORDS = ("WRONGPASS", "NOAUTH", "invalid password", "invalid username")


class BrokerRefused(Exception):
    """The broker answered but refused the credentials of the URL."""


def broker_answers(url: str) -> bool:
    """One PING. True when it answers; raises BrokerRefused on refused credentials."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except (redis.AuthenticationError, redis.ResponseError) as error:
        if isinstance(error, redis.AuthenticationError) or any(
            word in str(error) for word in CREDENTIAL_WORDS
        ):
            raise BrokerRefused(str(error).splitlines()[0][:200]) from None
        return False
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client.close()
    return True


def wait_for_broker(url: str, timeout: float) -> tuple[bool, int]:
    """Poll until the broker answers or `timeout` seconds pass: (answered, attempts)."""
    deadline = time.monotonic() + timeout
    attempts = 0
    while True:
        attempts += 1
        if broker_answers(url):
            return True, attempts
        if time.monotonic() >= deadline:
            return False, attempts
        time.sleep(POLL_INTERVAL)
