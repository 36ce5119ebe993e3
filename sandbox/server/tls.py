"""TLS for a sandbox server that listens beyond this machine (a class: trainees at their own machines).

The app refuses plain http to any host that is not loopback, and rightly: the credentials travel
with every request. So a server bound to another address speaks TLS, with the trainer's
certificate (--tls-cert/--tls-key) or a self-signed one made on the spot (cryptography) and kept
beside the sandbox, so a restart keeps the fingerprint the trainees were given. Trainees trust it
with `--ca-file CERT` or `--pin SHA256` (the SHA-256 of the certificate, which is printed).
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

# Addresses that reach only this machine: plain http is safe there. 127.0.0.2 and the like are
# loopback too, but a class tests on them "as another machine", so they get TLS like any other.
THIS_MACHINE = frozenset({"127.0.0.1", "::1", "localhost"})
VALID_DAYS = 365


@dataclass(frozen=True)
class ServerTLS:
    cert: Path
    key: Path
    fingerprint: str  # SHA-256 of the certificate (DER), as AA:BB:...
    how: str = "given"  # "given", "self-signed, made now", "self-signed, kept from an earlier run"

    def uvicorn_options(self) -> dict[str, str]:
        return {"ssl_certfile": str(self.cert), "ssl_keyfile": str(self.key)}


def needs_tls(host: str) -> bool:
    return host not in THIS_MACHINE


def fingerprint_of_der(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def fingerprint_of_pem(pem: bytes) -> str:
    return fingerprint_of_der(ssl.PEM_cert_to_DER_cert(pem.decode("ascii")))


def given(cert: str | Path, key: str | Path) -> ServerTLS:
    """The trainer's own certificate and key; ValueError when they cannot be used together."""
    cert, key = Path(cert), Path(key)
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        first = cert.read_bytes().split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n"
        fingerprint = fingerprint_of_pem(first)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ValueError(f"cannot use --tls-cert {cert} with --tls-key {key}: {exc}") from None
    return ServerTLS(cert, key, fingerprint)


def self_signed(folder: Path, host: str) -> ServerTLS:
    """A self-signed certificate for `host` in `folder` (cert.pem, key.pem readable by the owner
    only): the one kept there when it names the host and has not expired, else a new one."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    if cert.is_file() and key.is_file() and _still_good(cert, host):
        return ServerTLS(cert, key, fingerprint_of_pem(cert.read_bytes()), "self-signed, kept from an earlier run")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"proxy-pool sandbox {host}")])
    now = datetime.datetime.now(datetime.UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    built = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        # a CA of itself: a trainee's --ca-file is this very certificate
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=False,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(private.public_key()), critical=False)
        .sign(private, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_bytes = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key_bytes)
    pem = built.public_bytes(serialization.Encoding.PEM)
    cert.write_bytes(pem)
    return ServerTLS(cert, key, fingerprint_of_pem(pem), "self-signed, made now")


def _still_good(cert: Path, host: str) -> bool:
    from cryptography import x509

    try:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
        names = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    if loaded.not_valid_after_utc < datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1):
        return False
    try:
        return ipaddress.ip_address(host) in names.get_values_for_type(x509.IPAddress)
    except ValueError:
        return host in names.get_values_for_type(x509.DNSName)


def for_server(host: str, cert: str | None, key: str | None, folder: Path) -> ServerTLS | None:
    """The TLS a server on `host` speaks: the given certificate, a self-signed one (beyond this
    machine), or None (plain http on this machine only)."""
    if bool(cert) != bool(key):
        raise ValueError("--tls-cert and --tls-key go together: give both, or neither for a self-signed one")
    if cert and key:
        return given(cert, key)
    return self_signed(folder, host) if needs_tls(host) else None
