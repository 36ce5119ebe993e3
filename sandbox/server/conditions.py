"""Twilio's worst days, offline: `sandbox serve --latency MS[:JITTER] --rate-limit [N] --fail RATE`.

An ASGI wrapper in front of the sandbox's server (or a class's), each part off unless asked for:
- latency: every answer waits MS ± a uniform JITTER milliseconds (never below 0), on the loop;
- rate limit: per endpoint (method and path with its SIDs as placeholders, as Twilio counts), at
  most 5·N requests in any 5 seconds: N a second on average, a burst of up to 5·N at once. Past it,
  429 with Twilio's 20429 body and Retry-After in whole seconds until the window admits the next
  one (Twilio documents no Retry-After; the sandbox sends this one);
- fail: that share of requests (seeded) never reaches the sandbox: half of them are answered 503
  with Twilio's 20503 body, half have their connection dropped before any answer. A real 503 may
  have acted; the sandbox's never does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import random
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.core.errors import ProxyError
from tui.core.wire import render_error

log = logging.getLogger("uvicorn.error")  # the served log (uvicorn prints it); the drop says one line there

WINDOW = 5.0  # seconds: the rate limit's averaging window
BURST = 5  # the window admits BURST x N requests
SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")


@dataclass(frozen=True)
class Conditions:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_limit: int | None = None
    fail_rate: float = 0.0
    seed: int = 0

    def __bool__(self) -> bool:
        return bool(self.latency_ms or self.jitter_ms or self.rate_limit or self.fail_rate)

    def describe(self) -> str:
        parts = []
        if self.latency_ms or self.jitter_ms:
            parts.append(f"latency {self.latency_ms:g} ms ± {self.jitter_ms:g} ms")
        if self.rate_limit:
            parts.append(f"rate limit {self.rate_limit}/s per endpoint (bursts to {BURST * self.rate_limit} "
                         f"in {WINDOW:g} s), then 429")
        if self.fail_rate:
            parts.append(f"{self.fail_rate:.0%} of requests fail (503 or a dropped connection, seed {self.seed})")
        return "; ".join(parts)


def latency(text: str) -> tuple[float, float]:
    """argparse type of --latency: MS or MS:JITTER, each a number of milliseconds >= 0."""
    mean, _, jitter = text.partition(":")
    try:
        values = (float(mean), 0.0 if ":" not in text else float(jitter) if jitter else math.nan)
    except ValueError:
        values = (math.nan, math.nan)
    if any(math.isnan(v) or math.isinf(v) or v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r} is not MS or MS:JITTER (milliseconds, 0 or more), e.g. 150:30")
    return values


def fail_rate(text: str) -> float:
    """argparse type of --fail: a share of requests, more than 0 and less than 1."""
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not 0 < rate < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1, e.g. 0.05")
    return rate


def rate_limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of requests a second (1 or more)")
    return value


def endpoint(method: str, path: str) -> str:
    """What Twilio counts a limit by: the method and the path, whatever the SIDs in it."""
    return f"{method} {SID.sub('{sid}', path)}"


class SlidingWindow:
    """At most `limit` requests of one endpoint in any `window` seconds."""

    def __init__(self, limit: int, window: float = WINDOW, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self.seen: dict[str, deque[float]] = {}

    def admit(self, key: str) -> float | None:
        """None when admitted (and counted); else the seconds until this endpoint admits again."""
        now = self.clock()
        times = self.seen.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            return None
        return times[0] + self.window - now


class DroppedConnection(Exception):
    """Raised after an answer has begun: the server closes the connection with no answer whole."""


class NetworkConditions:
    """The ASGI app in front of the sandbox's: latency, a rate limit, failures (module docstring)."""

    def __init__(self, app: Any, conditions: Conditions, *, clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.conditions = conditions
        self.rng = random.Random(conditions.seed)
        self.window = SlidingWindow(BURST * conditions.rate_limit, clock=clock) if conditions.rate_limit else None

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        c = self.conditions
        if c.latency_ms or c.jitter_ms:
            await asyncio.sleep(max(0.0, c.latency_ms + self.rng.uniform(-c.jitter_ms, c.jitter_ms)) / 1000)
        if self.window is not None:
            wait = self.window.admit(endpoint(scope["method"], scope["path"]))
            if wait is not None:
                error = ProxyError(20429, 429, f"Too Many Requests: more than {c.rate_limit} a second to "
                                               f"{scope['method']} {scope['path']}; retry after the Retry-After seconds")
                await answer(send, error, {"retry-after": str(max(1, math.ceil(wait)))})
                return
        if c.fail_rate and self.rng.random() < c.fail_rate:
            if self.rng.random() < 0.5:
                await answer(send, ProxyError(20503, 503, "Service Unavailable: the sandbox's --fail "
                                                          "answered this request (nothing was changed)"))
                return
            log.info("dropped the connection of %s %s (--fail)", scope["method"], scope["path"])
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")]})
            raise DroppedConnection
        await self.app(scope, receive, send)


async def answer(send: Callable, error: ProxyError, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(render_error(error)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": error.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class QuietDrops(logging.Filter):
    """The server's log keeps one line for a dropped connection, not the traceback of its raise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))
