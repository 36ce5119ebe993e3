"""The server's TLS: when it speaks it, and with which certificate (sandbox/server/tls.py)."""

from __future__ import annotations

import ssl

import pytest

from sandbox.server import tls


def test_plain_http_only_on_this_machine(tmp_path):
    assert [tls.needs_tls(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2", "0.0.0.0", "10.0.0.5")] == [
        False, False, False, True, True, True]
    assert tls.for_server("127.0.0.1", None, None, tmp_path / "tls") is None
    assert not (tmp_path / "tls").exists()


def test_a_self_signed_certificate_is_made_once_and_names_the_host(tmp_path):
    made = tls.for_server("127.0.0.2", None, None, tmp_path / "tls")
    assert made.how == "self-signed, made now" and len(made.fingerprint) == 95  # 32 bytes as AA:BB:...
    context = ssl.create_default_context(cafile=str(made.cert))  # a trainee's --ca-file
    assert context.cert_store_stats()["x509_ca"] == 1
    kept = tls.for_server("127.0.0.2", None, None, tmp_path / "tls")
    assert kept.how.endswith("kept from an earlier run") and kept.fingerprint == made.fingerprint
    other_host = tls.for_server("10.1.2.3", None, None, tmp_path / "tls")  # another address: a new one
    assert other_host.fingerprint != made.fingerprint


def test_a_given_certificate_is_checked_with_its_key(tmp_path):
    first = tls.self_signed(tmp_path / "a", "127.0.0.2")
    second = tls.self_signed(tmp_path / "b", "127.0.0.2")
    given = tls.for_server("0.0.0.0", str(first.cert), str(first.key), tmp_path / "unused")
    assert given.how == "given" and given.fingerprint == first.fingerprint
    with pytest.raises(ValueError, match="cannot use --tls-cert"):
        tls.for_server("0.0.0.0", str(first.cert), str(second.key), tmp_path / "unused")
    with pytest.raises(ValueError, match="go together"):
        tls.for_server("0.0.0.0", str(first.cert), None, tmp_path / "unused")
    assert not (tmp_path / "unused").exists()
