"""A real `proxy-pool sandbox serve` process for tests: started on a free loopback port
(--port 0, the kernel picks it), its printed base URLs and credentials read back, stopped
with a signal. The sandbox file must already exist (and be closed: the server locks it).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

URL_RE = re.compile(r"\bhttp://\S+")


def command() -> list[str]:
    """The installed console script when there is one (what users run), else the module."""
    script = Path(sys.executable).with_name("proxy-pool")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui.cli"]


# what `sandbox serve` prints for scripts, one NAME=value line each
PRINTED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PROXY_BASE_URL", "TWILIO_API_BASE_URL",
           "TWILIO_MESSAGING_BASE_URL")


@dataclass
class ServerProcess:
    proc: subprocess.Popen
    base_url: str
    account_sid: str
    auth_token: str
    stdout: Path
    stderr: Path
    printed: dict[str, str]

    @property
    def messaging_base_url(self) -> str:
        return self.printed["TWILIO_MESSAGING_BASE_URL"]

    @property
    def auth(self) -> tuple[str, str]:
        return self.account_sid, self.auth_token

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Signal the server and wait for it; its exit code (a hang is killed and reported)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"the server did not stop on signal {sig}:\n{self.output()}") from None
        return self.proc.returncode


def printed_values(lines: list[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lines if line.startswith("TWILIO_") and "=" in line)


def start(path: Path, *args: str, timeout: float = 30) -> ServerProcess:
    """Start `proxy-pool sandbox serve PATH --port 0 ...` and wait for its URL and NAME=value lines."""
    logs = Path(f"{path}.server")
    logs.mkdir(exist_ok=True)
    out, err = logs / "stdout.txt", logs / "stderr.txt"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen([*command(), "sandbox", "serve", str(path), "--port", "0", *args],
                                stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + timeout
    while True:
        lines = out.read_text().splitlines()
        if set(PRINTED) <= set(printed_values(lines)):
            break
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
            raise AssertionError(
                f"`sandbox serve` did not print its URL and credentials (exit {proc.returncode}):\n"
                f"{out.read_text()}{err.read_text()}"
            )
        time.sleep(0.05)
    url = URL_RE.search(lines[0])
    assert url, f"no base URL on the first line: {lines[0]!r}"
    values = printed_values(lines)
    return ServerProcess(proc, url.group(0), values["TWILIO_ACCOUNT_SID"], values["TWILIO_AUTH_TOKEN"], out, err,
                         values)


@contextlib.contextmanager
def serving(path: Path, *args: str) -> Iterator[ServerProcess]:
    server = start(path, *args)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()
