"""The offline Twilio Proxy: TinyDB state and Twilio's pool rules."""

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.store import SandboxInUse, StoreError

__all__ = ["SandboxAccount", "SandboxBackend", "SandboxInUse", "StoreError"]
