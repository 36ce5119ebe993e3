"""Schemathesis over every served operation of Twilio's Proxy v1 and Messaging v1 descriptions.

All of its phases (the spec's examples, coverage's boundary values, fuzzing, stateful links),
positive and negative data, deterministic and bounded, against the demo sandbox served
in-process, with real SIDs supplied (kept ones for reads and changes, others for deletes) so
generated requests reach the rules rather than a 404. Every response: no 5xx, nothing outside the
schema, JSON whenever there is a body, and every error exactly Twilio's error body.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.server.app import create_app
from tests.reference_files import MESSAGING_SPEC, PROXY_SPEC, reference
from tests.spec_check import ERROR_BODY, known_codes
from tui.core.wire import MESSAGING_PREFIX

MAX_EXAMPLES = 12  # per operation and phase: the whole run stays well under a minute on this machine


@schemathesis.check
def twilio_json_bodies(ctx: Any, response: Any, case: Any) -> None:
    """A body is JSON; an error is exactly Twilio's error body with a code Twilio has."""
    if not response.content:
        return
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
    body = json.loads(response.content)
    if response.status_code >= 400:
        jsonschema.validate(body, ERROR_BODY)
        assert body["status"] == response.status_code and body["code"] in known_codes(), body


def arrange(account: SandboxAccount) -> dict[str, dict[str, str]]:
    """Real resources to aim at: "kept" ones for reads and changes, a second set for the deletes."""
    service = account.service_named("tradepost-buyer-seller")  # country matching: any US caller gets a number
    numbers = account.list_numbers(service.sid, 3).items
    sids: dict[str, dict[str, str]] = {}
    for which, people in (("kept", ("+14155550101", "+14155550102")), ("gone", ("+14155550103", "+14155550104"))):
        session = account.create_session(service.sid, participants=[{"Identifier": p} for p in people])
        member = account.list_participants(service.sid, session.sid).items[0]
        sent = account.create_message_interaction(service.sid, session.sid, member.sid, body="hello")
        sids[which] = {"service": service.sid, "session": session.sid, "participant": member.sid,
                       "interaction": sent.sid}
    sids["kept"]["number"], sids["gone"]["number"] = numbers[0].sid, numbers[2].sid
    sids["gone"]["service"] = account.create_service("schemathesis-deletes").sid
    kept_ms, gone_ms = account.list_messaging_services().items
    sids["kept"]["ms"], sids["gone"]["ms"] = kept_ms.sid, gone_ms.sid
    sids["kept"]["member"] = account.list_messaging_numbers(kept_ms.sid).items[0].sid
    sids["gone"]["member"] = account.list_messaging_numbers(kept_ms.sid).items[1].sid
    return sids


def proxy_parameters(k: dict[str, str], g: dict[str, str]) -> list[dict[str, Any]]:
    service, session = {"path.ServiceSid": k["service"]}, {"path.ServiceSid": k["service"], "path.SessionSid": k["session"]}
    member = {**session, "path.ParticipantSid": k["participant"]}
    table = {
        "FetchService": {"path.Sid": k["service"]}, "UpdateService": {"path.Sid": k["service"]},
        "DeleteService": {"path.Sid": g["service"]},
        "ListPhoneNumber": service, "CreatePhoneNumber": service,
        "FetchPhoneNumber": {**service, "path.Sid": k["number"]}, "UpdatePhoneNumber": {**service, "path.Sid": k["number"]},
        "DeletePhoneNumber": {**service, "path.Sid": g["number"]},
        "ListSession": service, "CreateSession": service,
        "FetchSession": {**service, "path.Sid": k["session"]}, "UpdateSession": {**service, "path.Sid": k["session"]},
        "DeleteSession": {**service, "path.Sid": g["session"]},
        "ListParticipant": session, "CreateParticipant": session,
        "FetchParticipant": {**session, "path.Sid": k["participant"]},
        "DeleteParticipant": {**service, "path.SessionSid": g["session"], "path.Sid": g["participant"]},
        "ListInteraction": session, "FetchInteraction": {**session, "path.Sid": k["interaction"]},
        "DeleteInteraction": {**service, "path.SessionSid": g["session"], "path.Sid": g["interaction"]},
        "ListMessageInteraction": member, "CreateMessageInteraction": member,
        "FetchMessageInteraction": {**member, "path.Sid": k["interaction"]},
    }
    return [{"include-operation-id": op, "parameters": params} for op, params in table.items()]


def messaging_parameters(k: dict[str, str], g: dict[str, str]) -> list[dict[str, Any]]:
    ms = {"path.ServiceSid": k["ms"]}
    table = {
        "FetchService": {"path.Sid": k["ms"]}, "UpdateService": {"path.Sid": k["ms"]},
        "DeleteService": {"path.Sid": g["ms"]},
        "ListPhoneNumber": ms, "CreatePhoneNumber": ms,
        "FetchPhoneNumber": {**ms, "path.Sid": k["member"]}, "DeletePhoneNumber": {**ms, "path.Sid": g["member"]},
    }
    return [{"include-operation-id": op, "parameters": params} for op, params in table.items()]


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.json"
    build_sandbox(path, kind="demo").close()
    return path


@pytest.mark.parametrize("domain", ["proxy", "messaging"])
def test_schemathesis_finds_nothing_outside_twilio_s_contract(domain, demo_template, tmp_path):
    path = tmp_path / "demo.json"
    shutil.copy(demo_template, path)
    shutil.copytree(f"{demo_template}.d", f"{path}.d")
    backend = SandboxBackend(path)
    account = backend.account
    sids = arrange(account)
    spec = reference(PROXY_SPEC if domain == "proxy" else MESSAGING_SPEC)
    operations = (proxy_parameters if domain == "proxy" else messaging_parameters)(sids["kept"], sids["gone"])
    config = SchemathesisConfig.from_dict({
        "seed": 13,
        "base-url": "http://sandbox.test" + (MESSAGING_PREFIX if domain == "messaging" else ""),
        "auth": {"basic": {"username": account.account_sid, "password": account.meta["auth_token"]}},
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # Not these four; every other check runs, ours included. Twilio's descriptions document no error
        # status at all; valid-by-schema data still meets the rules (a taken UniqueName); and the SIDs
        # supplied here are fixed, so a stateful run's "created, then gone" is the supplied delete's
        # target, not the resource it made (and a deleted Participant is meant to stay: a soft delete).
        "checks": {name: {"enabled": False} for name in (
            "status_code_conformance", "positive_data_acceptance", "ensure_resource_availability", "use_after_free")},
        # the stateful phase's negative steps would break a supplied SID it then replaces: positive only there
        "phases": {"stateful": {"max-steps": 10, "generation": {"mode": "positive"}}},
        "operations": operations,
    })
    schema = schemathesis.openapi.from_dict(spec, config=config)
    schema.app = create_app(backend)
    problems: list[str] = []
    phases: set[str] = set()
    scenarios = 0
    try:
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                scenarios += 1
                phases.add(str(event.phase))
                for checks in event.recorder.checks.values():
                    for check in checks:
                        if check.status.name == "FAILURE" and check.failure_info is not None:
                            problems.append(f"{event.phase} {event.label}: {check.name}: "
                                            f"{str(check.failure_info.failure)[:300]}\n{check.failure_info.code_sample}")
            elif isinstance(event, (events.NonFatalError, events.FatalError)):
                problems.append(f"error: {event}")
    finally:
        backend.close()
    assert not problems, "\n\n".join(problems[:10])
    assert phases == {"examples", "coverage", "fuzzing", "stateful"}
    assert scenarios >= len(spec_operations(spec)) * 3
    assert len(operations) == len(spec_operations(spec)) - 2  # every operation with a path SID is aimed


def spec_operations(spec: dict) -> list[str]:
    return [op["operationId"] for ops in spec["paths"].values() for method, op in ops.items()
            if method in ("get", "post", "delete")]
