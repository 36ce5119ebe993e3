"""Shared fixtures. Every sandbox lives in pytest's tmp_path; nothing touches the user's data folder."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.backends import BACKENDS, World

# CI: bounded and repeatable. Locally: HYPOTHESIS_PROFILE=dev explores more.
settings.register_profile(
    "ci", max_examples=60, derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _isolated_data_home(tmp_path_factory, monkeypatch):
    """The default sandbox lives under the user's data folder: point it at a temporary one."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET",
                 "TWILIO_API_KEY_SECRET", "TWILIO_REGION", "TWILIO_EDGE", "PROXY_POOL_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=list(BACKENDS), ids=list(BACKENDS))
async def world(request, tmp_path) -> World:
    """One backend under test (parametrized over every backend) and the sandbox behind it."""
    make = BACKENDS[request.param]
    async with make(tmp_path) as w:
        yield w
