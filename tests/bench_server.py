"""Benchmark: the sandbox server (`proxy-pool sandbox serve`) against Twilio's own mock, Stoplight
Prism serving Twilio's Proxy v1 OpenAPI description, under wrk on loopback.

Run by hand (not part of CI's pass/fail; pytest does not collect this file):

    .venv/bin/python tests/bench_server.py                 # N = 10: 55,000 pool numbers, 10 s per run
    .venv/bin/python tests/bench_server.py --scale 2 --duration 5s --connections 8 --keep /tmp/bench

It installs what it needs when missing: wrk (apt-get install -y wrk) and Prism (npm install
@stoplight/prism-cli into --cache, ~/.cache/proxy-pool-bench/prism by default). It builds a sandbox
with `proxy-pool sandbox init PATH --scale N`, serves it on a free loopback port, starts
`prism mock tests/reference/twilio_proxy_v1.json` (static examples) on another, and runs wrk
against each for:
  - a page of 50 of one Service's PhoneNumbers (GET ...PhoneNumbers?PageSize=50);
  - a durable reservation toggle (POST ...PhoneNumbers/PN... IsReserved=false, then true),
    a different number each request (a wrk Lua script walks 50 numbers per wrk thread).
The sandbox's pool is full (both of Twilio's limits reached), so before the toggles it removes
unreserved numbers to make room for every number the toggle walks. Prism answers its example
for any well-formed request; ours reads and writes the sandbox (each toggle is fsync'd).

Each figure follows an uncounted warm-up run (--warmup, 2 s: Prism runs on Node's JIT). Figures
are wrk's Requests/sec and its latency percentiles (p50, p99); the credentials reach wrk
through its environment, never its command line or this script's output.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import server_process  # noqa: E402 - after the path is set (run as a script)

SPEC = ROOT / "tests" / "reference" / "twilio_proxy_v1.json"
TOGGLED_PER_THREAD = 50  # numbers one wrk thread's toggles walk (unreserve all, reserve all, ...)

# wrk's Lua: the credentials come from the environment (BENCH_AUTH), not the command line
AUTH_LUA = 'wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")\n'

# each thread toggles its own numbers: pass k unreserves them all when k is even, reserves them when
# odd, so however replies interleave, at most the walked numbers are ever unreserved at once
TOGGLE_LUA = AUTH_LUA + """
local sids = {}
for sid in string.gmatch(os.getenv("BENCH_SIDS"), "[^,]+") do table.insert(sids, sid) end
local service = os.getenv("BENCH_SERVICE")
local per = %(per)d
local counter = 0
local first = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function setup(thread)
  thread:set("first", first)
  first = first + per
end

function request()
  local i = counter %% per
  local pass = math.floor(counter / per)
  counter = counter + 1
  local body = (pass %% 2 == 0) and "IsReserved=false" or "IsReserved=true"
  return wrk.format(nil, "/v1/Services/" .. service .. "/PhoneNumbers/" .. sids[first + i + 1], nil, body)
end
"""


# -- tools ------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get install -y wrk) ...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


def ensure_prism(cache: Path) -> Path:
    prism = cache / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        print(f"installing Prism (npm install --prefix {cache} @stoplight/prism-cli) ...", flush=True)
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(cache), "@stoplight/prism-cli"], check=True,
                       stdout=subprocess.DEVNULL)
    return prism


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the two servers -----------------------------------------------------------------------------

@contextlib.contextmanager
def prism_mock(prism: Path, logs: Path) -> Iterator[str]:
    """`prism mock` (static examples) on a free loopback port, stopped on the way out."""
    port = free_port()
    with open(logs, "wb") as log:
        proc = subprocess.Popen([str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # its own group: Ctrl+C reaches us, we stop it
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prism did not start (exit {proc.poll()}); see {logs}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def ours(path: Path) -> Iterator[server_process.ServerProcess]:
    server = server_process.start(path)
    try:
        yield server
    finally:
        stop(server.proc)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def call(base: str, auth: str, path: str, method: str = "GET") -> dict:
    req = urllib.request.Request(base + path, method=method, headers={"Authorization": auth})
    with urllib.request.urlopen(req, timeout=30) as answer:
        body = answer.read()
    return json.loads(body) if body else {}


def pool_of(base: str, auth: str, service: str) -> list[dict]:
    numbers, path = [], f"/v1/Services/{service}/PhoneNumbers?PageSize=1000"
    while path:
        page = call(base, auth, path)
        numbers += page["phone_numbers"]
        path = page["meta"]["next_page_url"]
        path = path[len(base):] if path else None
    return numbers


def make_room(base: str, auth: str, service: str, needed: int) -> list[str]:
    """Remove `needed` unreserved numbers of a full pool; the reserved numbers the toggles walk."""
    numbers = pool_of(base, auth, service)
    for number in [n for n in numbers if not n["is_reserved"]][:needed]:
        call(base, auth, f"/v1/Services/{service}/PhoneNumbers/{number['sid']}", "DELETE")
    return [n["sid"] for n in numbers if n["is_reserved"]][:needed]


# -- wrk ------------------------------------------------------------------------------------------

def seconds(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def run_wrk(wrk: str, url: str, script: str, env: dict[str, str], args: argparse.Namespace,
            folder: Path, duration: str | None = None) -> dict:
    lua = folder / "bench.lua"
    lua.write_text(script)
    done = subprocess.run([wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{duration or args.duration}",
                           "--latency", "-s", str(lua), url], capture_output=True, text=True,
                          env={**os.environ, **env})
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:(.*)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": rps, "p50": seconds(p50.group(1)) if p50 else None, "p99": seconds(p99.group(1)) if p99 else None,
            "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1).strip() if errors else "",
            "requests": int(total.group(1)) if total else 0}


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1e3:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="full pools to build (default 10)")
    parser.add_argument("--duration", default="10s", help="wrk's -d per run (default 10s)")
    parser.add_argument("--warmup", default="2s", help="an uncounted wrk run first, per figure and server "
                        "(default 2s; 0 for none)")
    parser.add_argument("--connections", type=int, default=8, help="wrk's -c (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk's -t (default 2)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "proxy-pool-bench" / "prism",
                        help="where Prism is installed with npm (default ~/.cache/proxy-pool-bench/prism)")
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep the files (default: a temp dir)")
    args = parser.parse_args()
    args.warmup = None if args.warmup in ("0", "0s", "") else args.warmup
    # Ctrl+C (even when started where SIGINT is ignored, as a background job) and SIGTERM unwind:
    # every `finally` stops its server
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    wrk, prism = ensure_wrk(), ensure_prism(args.cache)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-server-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sandbox.json"
    try:
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
              f"Python {sys.version.split()[0]}; files in {folder}", flush=True)
        t = time.perf_counter()
        subprocess.run([*server_process.command(), "sandbox", "init", str(path), "--scale", str(args.scale),
                        "--force"], check=True, stdout=subprocess.DEVNULL)
        print(f"built: sandbox init --scale {args.scale} ({5_500 * args.scale:,} pool numbers) in "
              f"{time.perf_counter() - t:.1f} s", flush=True)
        results: dict[str, dict] = {}
        with ours(path) as server, prism_mock(prism, folder / "prism.log") as prism_url:
            auth = basic(*server.auth)
            services = call(server.base_url, auth, "/v1/Services?PageSize=50")["services"]
            service = services[len(services) // 2]["sid"]
            sids = make_room(server.base_url, auth, service, TOGGLED_PER_THREAD * args.threads)
            # Prism checks only that a Basic header is there; it gets the same requests
            env = {"BENCH_AUTH": auth, "BENCH_SERVICE": service, "BENCH_SIDS": ",".join(sids)}
            page = f"/v1/Services/{service}/PhoneNumbers?PageSize=50"
            toggle = TOGGLE_LUA % {"per": TOGGLED_PER_THREAD}
            for name, url, script in (
                ("page", page, AUTH_LUA), ("toggle", "/", toggle),
            ):
                for who, base in (("ours", server.base_url), ("prism", prism_url)):
                    print(f"wrk: {name} against {who} ...", flush=True)
                    if args.warmup:  # Prism's JIT (and our caches) warm before the figure counts
                        run_wrk(wrk, base + url, script, env, args, folder, args.warmup)
                    results[f"{name} {who}"] = run_wrk(wrk, base + url, script, env, args, folder)
            left = [n for n in pool_of(server.base_url, auth, service) if n["sid"] in set(sids)]
            reserved_after = sum(n["is_reserved"] for n in left)

        print()
        print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration} on {os.cpu_count()} cores "
              f"(wrk, the server and the OS share them)")
        print(f"{'figure':36} {'ours req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'prism req/s':>12} {'p50 ms':>7} "
              f"{'p99 ms':>7} {'ours/prism':>11}  non-2xx (ours / prism)")
        for name, label in (("page", "GET a page of 50 PhoneNumbers"),
                            ("toggle", "POST a durable reservation toggle")):
            mine, theirs = results[f"{name} ours"], results[f"{name} prism"]
            print(f"{label:36} {mine['rps']:>11,.0f} {ms(mine['p50']):>7} {ms(mine['p99']):>7} "
                  f"{theirs['rps']:>12,.0f} {ms(theirs['p50']):>7} {ms(theirs['p99']):>7} "
                  f"{mine['rps'] / theirs['rps']:>11.2f}  {mine['non2xx']:,} / {theirs['non2xx']:,}")
        for key, result in results.items():
            if result["socket_errors"]:
                print(f"({key}: socket errors {result['socket_errors']})")
        print(f"after the toggles: {reserved_after} of the {len(sids)} walked numbers reserved "
              f"({results['toggle ours']['requests']:,} toggles answered by ours)")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:  # both servers are already stopped (main's `finally` blocks)
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
