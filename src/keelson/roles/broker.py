"""Waiting for the broker (Redis) before `boot worker` or `boot beat` starts."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import redis

from keelson.boot.exits import EXIT_CONFIG, EXIT_UNAVAILABLE, finish
from keelson.boot.log import BootLog
from keelson.contract.broker_url import mask_url

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


def wait_for_the_broker(values: Mapping[str, Any], log: BootLog) -> None:
    """Return once the broker answers, or end the boot: 78 when it refuses the URL's
    credentials, 69 at CELERY_BROKER_WAIT_TIMEOUT. A signal ends the wait (Interrupt)."""
    url, timeout = values["CELERY_BROKER_URL"], values["CELERY_BROKER_WAIT_TIMEOUT"]
    where = mask_url(url)
    log.info("broker", f"waiting for the broker at {where} (up to {timeout} s)")
    try:
        answered, attempts = wait_for_broker(url, timeout)
    except BrokerRefused as error:
        log.error(
            "broker",
            f"CELERY_BROKER_URL not accepted by the broker at {where}: {error}. "
            "Hint: check the password in CELERY_BROKER_URL (or its _FILE)",
            EXIT_CONFIG,
        )
        finish(EXIT_CONFIG)
    if not answered:
        log.error(
            "broker",
            f"the broker at {where} did not answer within {timeout} s "
            "(CELERY_BROKER_WAIT_TIMEOUT). Hint: check CELERY_BROKER_URL and that Redis is up",
            EXIT_UNAVAILABLE,
            attempts=attempts,
        )
        finish(EXIT_UNAVAILABLE)
    log.info("broker", f"the broker at {where} answers", attempts=attempts)
