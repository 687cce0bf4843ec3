"""Second layer for sensitive fields and archived files (SEN-3).

Two kinds of encrypted column, decided per column at registration:
- field-key columns (scans, a guardian's name): AES-GCM under a field key derived from the data key (HKDF).
  Every signed-in session holds the data key, so every session can read them; a SQL view of the opened
  database still shows only ciphertext.
- sealed columns (`sealed=True`: the optional member fields — ID number, face feature code, skin notes,
  address —, signatures, the ID-number originals kept under RET-4): sealed to the store's field public key
  (app.storage.sealing: ephemeral X25519 + HKDF-SHA256 + AES-GCM). Any session can write them; only the
  field private key opens them, and that key is wrapped in manager and recovery key slots only
  (app.storage.keyslots) and unwrapped for one manager step-up (app.access.vault.Vault.step_up).
In both kinds the AAD binds each value to its place (table, column, row id), so a ciphertext copied to
another row does not decrypt. A field-key ciphertext ("v1:") in a sealed column is a store from before
issue #14: it still reads until app.access.fieldkeys seals it at the next sign-in.

Domains register their encrypted columns with `register_column(table, id_column, column, sealed=...)`
(`register_blob_column` for BLOBs) so a data-key rotation (rekey) can re-encrypt them all.
"""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import StoreError, UserError
from app.messages import add_messages
from app.storage import sealing

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

META_PUBLIC = "field_public_key"  # meta row holding the store's field public key (hex)
PREFIX = "v1:"
SEALED_PREFIX = "s1:"
ENCRYPTED_COLUMNS: list[tuple[str, str, str]] = []
ENCRYPTED_BLOBS: list[tuple[str, str, str]] = []
SEALED: set[tuple[str, str]] = set()  # (table, column) sealed to the store's field public key

add_messages(
    {
        "fieldcrypt.step_up": (
            "查看敏感信息需要店长本人输入密码确认。",
            "Showing sensitive information needs a store manager to confirm with their own password.",
        ),
        "fieldcrypt.no_public_key": (
            "升级后店长尚未登录过，暂时不能保存敏感信息。请店长登录一次后再试。",
            "After the upgrade no store manager has signed in yet, so sensitive information cannot be saved."
            " Ask a store manager to sign in once, then try again.",
        ),
        "fieldcrypt.no_wrap": (
            "此店长账号还没有敏感信息密钥。请另一位店长完成一次店长确认（或用恢复密钥）后再试。",
            "This manager account does not hold the sensitive-information key yet. Ask another manager to"
            " confirm any manager step once (or use the recovery key), then try again.",
        ),
    }
)


def register_column(table: str, id_column: str, column: str, *, sealed: bool = False) -> None:
    """A TEXT column written with `cipher.encrypt(value, table, column, row_id)`."""
    entry = (table, id_column, column)
    if entry not in ENCRYPTED_COLUMNS:
        ENCRYPTED_COLUMNS.append(entry)
    if sealed:
        SEALED.add((table, column))


def register_blob_column(table: str, id_column: str, column: str, *, sealed: bool = False) -> None:
    """A BLOB column written with encrypt_bytes(data, aad=f"{table}.{column}:{row_id}")."""
    entry = (table, id_column, column)
    if entry not in ENCRYPTED_BLOBS:
        ENCRYPTED_BLOBS.append(entry)
    if sealed:
        SEALED.add((table, column))


def is_sealed_column(table: str, column: str) -> bool:
    return (table, column) in SEALED


def store_public_key(db: Any) -> bytes | None:
    """The store's field public key from the DB's meta table (None in a store from before issue #14 until a
    manager signs in)."""
    value = db.scalar("SELECT value FROM meta WHERE key = ?", (META_PUBLIC,))
    return bytes.fromhex(value) if value else None


def _aad_sealed(aad: str) -> bool:
    place = aad.split(":", 1)[0]
    table, _, column = place.partition(".")
    return (table, column) in SEALED


class FieldCipher:
    """Encrypts and decrypts registered columns. `public_key` (the store's field public key, any session may
    hold it) seals the sealed columns; `private_key` opens them and is only given for one manager step-up
    (`forget()` drops it). Without a private key a sealed value raises UserError('fieldcrypt.step_up')."""

    def __init__(
        self,
        data_key: bytes,
        purpose: bytes = b"fields-v1",
        *,
        public_key: bytes | None = None,
        private_key: X25519PrivateKey | None = None,
    ) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"memberdesk-field-key", info=purpose).derive(data_key)
        self._aead = AESGCM(key)
        self.public_key = public_key
        self._private: X25519PrivateKey | None = private_key

    @property
    def can_open_sealed(self) -> bool:
        return self._private is not None

    def forget(self) -> None:
        """Drop the field private key (the end of a step-up)."""
        self._private = None

    # -- bytes (scans, signature images) ----------------------------------------
    def encrypt_bytes(self, plaintext: bytes, aad: str) -> bytes:
        if _aad_sealed(aad):
            if self.public_key is None:
                raise UserError("fieldcrypt.no_public_key")
            return sealing.seal(self.public_key, plaintext, aad.encode("utf-8"))
        nonce = secrets.token_bytes(12)
        return b"MDv1" + nonce + self._aead.encrypt(nonce, plaintext, aad.encode("utf-8"))

    def decrypt_bytes(self, blob: bytes, aad: str) -> bytes:
        if blob and sealing.is_sealed(blob):
            if self._private is None:
                raise UserError("fieldcrypt.step_up")
            try:
                return sealing.open_sealed(self._private, blob, aad.encode("utf-8"))
            except sealing.SealError as exc:
                raise StoreError("store.unreadable") from exc
        if not blob or blob[:4] != b"MDv1":
            raise StoreError("store.unreadable")
        try:
            return self._aead.decrypt(blob[4:16], blob[16:], aad.encode("utf-8"))
        except InvalidTag as exc:
            raise StoreError("store.unreadable") from exc

    # -- text fields -------------------------------------------------------------
    def encrypt(self, value: str | None, table: str, column: str, row_id: str) -> str | None:
        if value is None:
            return None
        blob = self.encrypt_bytes(value.encode("utf-8"), f"{table}.{column}:{row_id}")
        prefix = SEALED_PREFIX if sealing.is_sealed(blob) else PREFIX
        return prefix + base64.b64encode(blob).decode("ascii")

    def decrypt(self, token: str | None, table: str, column: str, row_id: str) -> str | None:
        if token is None:
            return None
        if token.startswith(SEALED_PREFIX):
            blob = base64.b64decode(token[len(SEALED_PREFIX) :])
            if not sealing.is_sealed(blob):
                raise StoreError("store.unreadable")
        elif token.startswith(PREFIX):
            blob = base64.b64decode(token[len(PREFIX) :])
            if sealing.is_sealed(blob):
                raise StoreError("store.unreadable")
        else:
            raise StoreError("store.unreadable")
        return self.decrypt_bytes(blob, f"{table}.{column}:{row_id}").decode("utf-8")


def token_is_sealed(value: Any) -> bool:
    """A stored value (text token or blob) sealed to the field public key."""
    if isinstance(value, str):
        return value.startswith(SEALED_PREFIX)
    return bool(value) and sealing.is_sealed(bytes(value))


def reencrypt_all(conn: Any, old: FieldCipher, new: FieldCipher, *, legacy_only: bool = False) -> int:
    """Re-encrypt every registered column from `old` to `new`. Returns rows touched.

    Sealed values are left as they are (they do not depend on the data key). A field-key value in a sealed
    column is sealed with `new`'s public key (the upgrade of a store from before issue #14).
    Rekey calls it with both ciphers; `legacy_only=True` touches only field-key values in sealed columns."""
    n = 0
    for table, idc, col in ENCRYPTED_COLUMNS:
        if (legacy_only and (table, col) not in SEALED) or not _table_exists(conn, table):
            continue
        for rid, val in conn.execute(f"SELECT {idc}, {col} FROM {table} WHERE {col} IS NOT NULL").fetchall():
            if token_is_sealed(val):
                continue
            conn.execute(
                f"UPDATE {table} SET {col} = ? WHERE {idc} = ?",
                (new.encrypt(old.decrypt(val, table, col, rid), table, col, rid), rid),
            )
            n += 1
    for table, idc, col in ENCRYPTED_BLOBS:
        if (legacy_only and (table, col) not in SEALED) or not _table_exists(conn, table):
            continue
        for rid, val in conn.execute(f"SELECT {idc}, {col} FROM {table} WHERE {col} IS NOT NULL").fetchall():
            if token_is_sealed(val):
                continue
            aad = f"{table}.{col}:{rid}"
            conn.execute(
                f"UPDATE {table} SET {col} = ? WHERE {idc} = ?",
                (new.encrypt_bytes(old.decrypt_bytes(val, aad), aad), rid),
            )
            n += 1
    return n


def legacy_sealed_count(conn: Any) -> int:
    """Field-key values still waiting in sealed columns (a store from before issue #14)."""
    n = 0
    for table, _idc, col in ENCRYPTED_COLUMNS:
        if (table, col) in SEALED and _table_exists(conn, table):
            n += conn.execute(f"SELECT count(*) FROM {table} WHERE {col} LIKE 'v1:%'").fetchone()[0]
    for table, _idc, col in ENCRYPTED_BLOBS:
        if (table, col) in SEALED and _table_exists(conn, table):
            n += conn.execute(f"SELECT count(*) FROM {table} WHERE substr({col}, 1, 4) = X'4D447631'").fetchone()[0]
    return n


def _table_exists(conn: Any, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone() is not None
