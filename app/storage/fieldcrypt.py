"""Second layer for sensitive fields and archived files: AES-GCM under a field key.

The field key is derived from the data key (HKDF), so a SQL view of the opened database
still shows only ciphertext for ID numbers, feature codes, health notes, signatures and
scans. The AAD binds each value to its place (table, column, row id), so a ciphertext
copied to another row does not decrypt.

Domains register their encrypted columns with `register_column(table, id_column, column)`
so a data-key rotation (rekey) can re-encrypt them all.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import StoreError

PREFIX = "v1:"
ENCRYPTED_COLUMNS: list[tuple[str, str, str]] = []


def register_column(table: str, id_column: str, column: str) -> None:
    entry = (table, id_column, column)
    if entry not in ENCRYPTED_COLUMNS:
        ENCRYPTED_COLUMNS.append(entry)


class FieldCipher:
    def __init__(self, data_key: bytes, purpose: bytes = b"fields-v1"):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"memberdesk-field-key", info=purpose).derive(data_key)
        self._aead = AESGCM(key)

    # -- bytes (scans, signature images) ----------------------------------------
    def encrypt_bytes(self, plaintext: bytes, aad: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return b"MDv1" + nonce + self._aead.encrypt(nonce, plaintext, aad.encode("utf-8"))

    def decrypt_bytes(self, blob: bytes, aad: str) -> bytes:
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
        return PREFIX + base64.b64encode(blob).decode("ascii")

    def decrypt(self, token: str | None, table: str, column: str, row_id: str) -> str | None:
        if token is None:
            return None
        if not token.startswith(PREFIX):
            raise StoreError("store.unreadable")
        blob = base64.b64decode(token[len(PREFIX) :])
        return self.decrypt_bytes(blob, f"{table}.{column}:{row_id}").decode("utf-8")


ENCRYPTED_BLOBS: list[tuple[str, str, str]] = []


def register_blob_column(table: str, id_column: str, column: str) -> None:
    """A BLOB column written with encrypt_bytes(data, aad=f"{table}.{column}:{row_id}")."""
    entry = (table, id_column, column)
    if entry not in ENCRYPTED_BLOBS:
        ENCRYPTED_BLOBS.append(entry)


def reencrypt_all(conn, old: FieldCipher, new: FieldCipher) -> int:
    """Re-encrypt every registered column from `old` to `new` (used by rekey). Returns rows touched."""
    n = 0
    for table, idc, col in ENCRYPTED_COLUMNS:
        if not _table_exists(conn, table):
            continue
        for rid, val in conn.execute(f"SELECT {idc}, {col} FROM {table} WHERE {col} IS NOT NULL").fetchall():
            conn.execute(
                f"UPDATE {table} SET {col} = ? WHERE {idc} = ?",
                (new.encrypt(old.decrypt(val, table, col, rid), table, col, rid), rid),
            )
            n += 1
    for table, idc, col in ENCRYPTED_BLOBS:
        if not _table_exists(conn, table):
            continue
        for rid, val in conn.execute(f"SELECT {idc}, {col} FROM {table} WHERE {col} IS NOT NULL").fetchall():
            aad = f"{table}.{col}:{rid}"
            conn.execute(
                f"UPDATE {table} SET {col} = ? WHERE {idc} = ?",
                (new.encrypt_bytes(old.decrypt_bytes(val, aad), aad), rid),
            )
            n += 1
    return n


def _table_exists(conn, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone() is not None
