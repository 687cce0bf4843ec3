"""Head office at rest (STO-1): envelope encryption and a blind index.

A master key (32 random bytes, base64 in a file IT supplies) never touches the database. It wraps
data keys (AES-256-GCM) kept in `ho_keys` with the id of the master key that wrapped them: one data
key per upload batch (and per blob / receipt write). Personal payloads are sealed as
`e1:<data key id>:<base64(nonce | ciphertext)>` with the row's place (table, store, entity, id) as
associated data, so a ciphertext copied to another row does not open. Lookups use HMAC-SHA256
under a key derived from a separate random index secret (also wrapped by the master key), never
plaintext. Rotating the master key rewraps the data keys and the index secret, nothing else.

Where the master key comes from (`resolve_master_key_file`): `--master-key-file`, else
`MEMBERDESK_HO_MASTER_KEY_FILE`, else — for the embedded SQLite default only — a file beside the
database (`<db>.masterkey`, 0600) created at first start. PostgreSQL without a key refuses to start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import stat
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENV_KEY_FILE = "MEMBERDESK_HO_MASTER_KEY_FILE"
PREFIX = "e1:"
_NON_DIGITS = re.compile(r"\D")
KEYS_TABLE = """CREATE TABLE IF NOT EXISTS ho_keys (
    id {serial}, purpose TEXT NOT NULL, master_id TEXT NOT NULL, wrapped TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL)"""


class KeyProblem(Exception):
    """The master key is missing, unreadable, too open, or not the one that wrapped the data keys.
    The text names files and key ids only, never data."""


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def master_id(master: bytes) -> str:
    """A public name for a master key (which key wrapped a data key): not the key, not reversible."""
    return hashlib.sha256(b"memberdesk-ho master key id v1|" + master).hexdigest()[:16]


def new_master_key_file(path: str | Path) -> Path:
    """Write a fresh master key (base64 of 32 random bytes) to a new 0600 file."""
    p = Path(path)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(_b64(secrets.token_bytes(32)) + "\n")
    return p


def read_master_key_file(path: str | Path) -> bytes:
    p = Path(path)
    try:
        st = p.stat()
        raw = p.read_bytes()
    except OSError:
        raise KeyProblem(f"master key file {p} cannot be read") from None
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise KeyProblem(f"master key file {p} must hold base64 of 32 bytes (it holds raw bytes)") from None
    if os.name == "posix" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyProblem(f"master key file {p} is readable by others: chmod 600 it")
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise KeyProblem(f"master key file {p} must hold base64 of 32 bytes")
    return key


def resolve_master_key_file(
    storage_url: str, cli_file: str | None = None, env: Mapping[str, str] | None = None
) -> tuple[Path, bool]:
    """(path, may_create): where this head office's master key lives (see the module text)."""
    env = os.environ if env is None else env
    chosen = cli_file or env.get(ENV_KEY_FILE)
    if chosen:
        return Path(chosen), False
    if storage_url.startswith("sqlite:///"):
        return Path(storage_url[len("sqlite:///") :] + ".masterkey"), True
    raise KeyProblem(f"no master key: give --master-key-file or set {ENV_KEY_FILE} (PostgreSQL needs one)")


class Keyring:
    """The master key in memory, the data keys it unwrapped, and the blind-index key.

    `begin(c)` opens a data key for one write (batch); `seal`/`open_` work on text and bytes."""

    def __init__(self, master: bytes):
        if len(master) != 32:
            raise KeyProblem("master key must be 32 bytes")
        self._master = AESGCM(master)
        self.master_id = master_id(master)
        self._deks: dict[int, AESGCM] = {}
        self._index: bytes | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | Path, *, create: bool = False) -> Keyring:
        p = Path(path)
        if create and not p.exists():
            new_master_key_file(p)
        return cls(read_master_key_file(p))

    # -- wrapping -------------------------------------------------------------------------
    def wrap(self, key: bytes, purpose: str) -> str:
        nonce = secrets.token_bytes(12)
        return _b64(nonce + self._master.encrypt(nonce, key, purpose.encode()))

    def unwrap(self, wrapped: str, purpose: str) -> bytes:
        raw = base64.b64decode(wrapped)
        try:
            return self._master.decrypt(raw[:12], raw[12:], purpose.encode())
        except InvalidTag:
            raise KeyProblem("a data key does not open with this master key") from None

    def check(self, c: Any) -> None:
        """Refuse a master key that did not wrap the data keys already stored (wrong file, or a
        rotation not finished: run rotate-master-key again)."""
        row = c.one("SELECT master_id FROM ho_keys WHERE master_id != ? LIMIT 1", (self.master_id,))
        if row is not None:
            raise KeyProblem(
                f"data keys are wrapped by master key {row[0]}, not by the configured key {self.master_id}"
            )

    # -- data keys ------------------------------------------------------------------------
    def begin(self, c: Any, now: float) -> int:
        """A fresh data key for one write transaction; returns its id."""
        key = AESGCM.generate_key(bit_length=256)
        if c.pg:
            dek_id = int(
                c.one(
                    "INSERT INTO ho_keys(purpose, master_id, wrapped, created_at)"
                    " VALUES ('data', ?, ?, ?) RETURNING id",
                    (self.master_id, "", now),
                )[0]
            )
        else:
            dek_id = int(
                c.execute(
                    "INSERT INTO ho_keys(purpose, master_id, wrapped, created_at) VALUES ('data', ?, ?, ?)",
                    (self.master_id, "", now),
                ).lastrowid
            )
        c.execute("UPDATE ho_keys SET wrapped = ? WHERE id = ?", (self.wrap(key, f"data:{dek_id}"), dek_id))
        with self._lock:
            self._deks[dek_id] = AESGCM(key)
        return dek_id

    def _dek(self, c: Any, dek_id: int) -> AESGCM:
        with self._lock:
            got = self._deks.get(dek_id)
        if got is not None:
            return got
        row = c.one("SELECT wrapped FROM ho_keys WHERE id = ? AND purpose = 'data'", (dek_id,))
        if row is None:
            raise KeyProblem(f"data key {dek_id} is missing")
        aes = AESGCM(self.unwrap(row[0], f"data:{dek_id}"))
        with self._lock:
            if len(self._deks) > 4096:
                self._deks.clear()
            self._deks[dek_id] = aes
        return aes

    def seal(self, c: Any, dek_id: int, data: bytes, aad: str) -> str:
        nonce = secrets.token_bytes(12)
        ct = self._dek(c, dek_id).encrypt(nonce, data, aad.encode("utf-8"))
        return f"{PREFIX}{dek_id}:{_b64(nonce + ct)}"

    def open_(self, c: Any, token: str | bytes | memoryview, aad: str) -> bytes:
        text = bytes(token).decode("ascii") if isinstance(token, (bytes, memoryview)) else str(token)
        if not text.startswith(PREFIX):
            raise KeyProblem("a value at rest is not sealed")
        dek_id, body = text[len(PREFIX) :].split(":", 1)
        raw = base64.b64decode(body)
        try:
            return self._dek(c, int(dek_id)).decrypt(raw[:12], raw[12:], aad.encode("utf-8"))
        except InvalidTag:
            raise KeyProblem("a sealed value does not open (moved, altered or wrong key)") from None

    # -- blind index ----------------------------------------------------------------------
    def _index_key(self, c: Any, now: float) -> bytes:
        if self._index is not None:
            return self._index
        row = c.one("SELECT id, wrapped FROM ho_keys WHERE purpose = 'index' ORDER BY id LIMIT 1")
        if row is None:
            secret = secrets.token_bytes(32)
            c.execute(
                "INSERT INTO ho_keys(purpose, master_id, wrapped, created_at) VALUES ('index', ?, ?, ?)",
                (self.master_id, self.wrap(secret, "index"), now),
            )
        else:
            secret = self.unwrap(row[1], "index")
        self._index = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"memberdesk-ho blind index v1"
        ).derive(secret)
        return self._index

    def bidx(self, c: Any, kind: str, value: str | None, now: float = 0.0) -> str | None:
        """HMAC-SHA256 blind index of a member id or a mobile number (normalised first)."""
        if value is None or value == "":
            return None
        norm = _NON_DIGITS.sub("", str(value)) if kind == "mobile" else str(value)
        return hmac.digest(self._index_key(c, now), f"{kind}|{norm}".encode(), "sha256").hex()

    # -- rotation -------------------------------------------------------------------------
    def rotate(self, c: Any, new: Keyring, audit: Callable[..., None]) -> int:
        """Rewrap every data key and the index secret under `new` in the caller's transaction.
        Keys already under `new` are skipped, so a rotation that died is simply run again."""
        rows = c.all("SELECT id, purpose, master_id, wrapped FROM ho_keys WHERE master_id != ?", (new.master_id,))
        for kid, purpose, mid, wrapped in rows:
            if mid != self.master_id:
                raise KeyProblem(f"key {kid} is wrapped by master key {mid}, neither the old nor the new key")
            label = "index" if purpose == "index" else f"data:{kid}"
            c.execute(
                "UPDATE ho_keys SET wrapped = ?, master_id = ? WHERE id = ?",
                (new.wrap(self.unwrap(wrapped, label), label), new.master_id, kid),
            )
        audit(c, "admin", "keys.rotate", details={"from": self.master_id, "to": new.master_id, "keys": len(rows)})
        return len(rows)
