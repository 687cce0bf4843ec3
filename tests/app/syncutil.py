"""Helpers for the sync and head-office tests: stores, a private CA, a real uvicorn server process."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.testclient import TestClient

from app.access.vault import Vault
from app.config import resolve_paths
from app.sync import SyncEngine
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage

ROOT = Path(__file__).resolve().parents[2]
PG_ENV = "MEMBERDESK_TEST_PG_DSN"


def pg_dsn_or_skip() -> str:
    dsn = os.environ.get(PG_ENV)
    if not dsn:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{PG_ENV} is not set in CI: run `bash tools/pg_test_server.sh start` first")
        pytest.skip(f"PostgreSQL tests skipped: {PG_ENV} is not set (bash tools/pg_test_server.sh start)")
    return dsn


def reset_pg(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def new_store(tmp_path: Path, code: str, clock, name: str = "测试门店"):
    """A second (third…) store: its own data dir, vault and manager session."""
    paths = resolve_paths(tmp_path / f"store-{code}").ensure()
    vault = Vault(paths, clock=clock)
    session, _ = vault.setup(
        store_code=code,
        store_name=name,
        terminal_name="DESK-1",
        username="manager",
        display_name="店长",
        password="Manager-pass-1",
    )
    return vault, session, paths


# -- in-process head office (Starlette TestClient, SQLite) for tests/app/test_sync_*.py -------------
class HOClock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def hoc():
    return HOClock()


@pytest.fixture
def ho(tmp_path, hoc):
    storage = SQLiteStorage(tmp_path / "ho.db")
    yield HeadOffice(storage, clock=hoc)
    storage.close()


@pytest.fixture
def client(ho):
    with TestClient(create_app(ho), base_url="http://testserver") as c:
        yield c


def engine(session, paths, client, **kw):
    return SyncEngine.for_session(
        session, http=client, allow_plain_http=True, sleep=lambda s: None, ledger_path=paths.erasure_ledger, **kw
    )


def enrolled(session, paths, client, ho, code=None):
    code = code or session.store_code
    eng = engine(session, paths, client)
    eng.enrol("http://testserver", code, ho.create_store(code, "门店"))
    return eng


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_ca(tmp: Path) -> dict:
    """A private CA and a server certificate for 127.0.0.1/localhost, written as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MemberDesk Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    tmp.mkdir(parents=True, exist_ok=True)
    out = {"ca": tmp / "ca.pem", "cert": tmp / "server.pem", "key": tmp / "server.key"}
    out["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out["key"].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return out


class ServerProcess:
    """`memberdesk-headoffice serve` as a real process on 127.0.0.1 with TLS from the private CA."""

    def __init__(self, db_url: str, tls: dict, port: int | None = None, fault: str = "", extra: list | None = None):
        self.db_url, self.tls, self.port, self.fault = db_url, tls, port or free_port(), fault
        self.extra = extra or []
        self.proc = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("MEMBERDESK_HO_FAULT", None)
        if self.fault:
            env["MEMBERDESK_HO_FAULT"] = self.fault
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "headoffice.cli",
                "--db",
                self.db_url,
                *self.extra,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--cert",
                str(self.tls["cert"]),
                "--key",
                str(self.tls["key"]),
                "--workers-pool",
                "2",
            ],
            env=env,
            cwd=str(ROOT),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("head office did not start: " + self.proc.stderr.read().decode()[-2000:])
            try:
                httpx.get(
                    self.url + "/v1/time", verify=ssl.create_default_context(cafile=str(self.tls["ca"])), timeout=1.0
                )
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("head office did not answer within 20 s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
