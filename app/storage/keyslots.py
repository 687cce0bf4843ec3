"""Key slots: the random data key, wrapped once per staff password and once by a recovery key.

Like LUKS key slots. The file beside the DB holds no personal data: a staff slot is found by
`lookup` = SHA-256(file salt ‖ lower-cased user name) and names the staff member only by a
random id. Each slot is the data key under AES-GCM with a key-encryption key:
  staff slot:    KEK = Argon2id(password, slot salt)   (~0.3 s on a 2-core machine)
  recovery slot: KEK = HKDF-SHA256(recovery key)        (the recovery key is 256 random bits)
The GCM tag proves the password; the AAD binds the slot to its id and this file's db_id.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import SignInError, StoreError, UserError

FORMAT = 1
# Tuned on the 2-core target machines: ~0.3 s per derivation (see docs/benchmarks.md).
DEFAULT_KDF = {"name": "argon2id", "memory_cost": 131072, "iterations": 3, "lanes": 2}
# Tests set MEMBERDESK_FAST_KDF=1 so a suite of hundreds of sign-ins stays quick.
FAST_KDF = {"name": "argon2id", "memory_cost": 1024, "iterations": 1, "lanes": 1}


def kdf_params() -> dict:
    return dict(FAST_KDF if os.environ.get("MEMBERDESK_FAST_KDF") == "1" else DEFAULT_KDF)


def derive_password_kek(password: str, salt: bytes, params: dict) -> bytes:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=int(params["iterations"]),
        lanes=int(params["lanes"]),
        memory_cost=int(params["memory_cost"]),
    ).derive(password.encode("utf-8"))


def derive_recovery_kek(recovery_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"memberdesk-recovery-slot", info=b"kek").derive(
        recovery_key
    )


# -- recovery key text form: 52 base32 characters in 13 groups of 4 ------------------
def format_recovery_key(raw: bytes) -> str:
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (ValueError, base64.binascii.Error) as exc:
        raise SignInError("signin.recovery_wrong") from exc
    if len(raw) != 32:
        raise SignInError("signin.recovery_wrong")
    return raw


@dataclass
class KeySlotFile:
    path: Path
    db_id: str
    lookup_salt: bytes
    slots: list[dict] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)  # lookups of disabled staff (no key material)

    # -- persistence -------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> KeySlotFile:
        return cls(path=path, db_id=secrets.token_hex(16), lookup_salt=secrets.token_bytes(16))

    @classmethod
    def load(cls, path: Path) -> KeySlotFile:
        if not path.exists():
            raise StoreError("store.keyslots_missing")
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("format")
            return cls(
                path=path,
                db_id=str(data["db_id"]),
                lookup_salt=bytes.fromhex(data["lookup_salt"]),
                slots=list(data["slots"]),
                disabled=list(data.get("disabled", [])),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError("store.keyslots_corrupt") from exc

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "db_id": self.db_id,
                "lookup_salt": self.lookup_salt.hex(),
                "slots": self.slots,
                "disabled": self.disabled,
            },
            indent=1,
        )

    def save(self, path: Path | None = None) -> None:
        """Atomic replace with fsync: a crash leaves the old file or the new one, never half."""
        target = Path(path or self.path)
        tmp = target.with_name(target.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(self.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:  # disk full, read-only folder: no temporary file stays, a message says so
            try:
                tmp.unlink()
            except OSError:
                pass
            raise UserError("error.disk_full" if exc.errno == errno.ENOSPC else "store.keyslots_unsaved") from None

    # -- slots -------------------------------------------------------------------
    def lookup(self, username: str) -> str:
        return hashlib.sha256(self.lookup_salt + username.strip().lower().encode("utf-8")).hexdigest()

    def _aad(self, slot_id: str) -> bytes:
        return f"memberdesk-slot|{self.db_id}|{slot_id}".encode()

    def _wrap(self, slot: dict, kek: bytes, data_key: bytes) -> dict:
        nonce = secrets.token_bytes(12)
        slot["nonce"] = nonce.hex()
        slot["wrapped"] = AESGCM(kek).encrypt(nonce, data_key, self._aad(slot["id"])).hex()
        return slot

    def _unwrap(self, slot: dict, kek: bytes) -> bytes:
        try:
            return AESGCM(kek).decrypt(
                bytes.fromhex(slot["nonce"]), bytes.fromhex(slot["wrapped"]), self._aad(slot["id"])
            )
        except (InvalidTag, ValueError, KeyError):
            raise SignInError("signin.wrong") from None

    def staff_slot(self, username: str) -> dict | None:
        lk = self.lookup(username)
        return next((s for s in self.slots if s.get("kind") == "staff" and s.get("lookup") == lk), None)

    def is_disabled(self, username: str) -> bool:
        return self.lookup(username) in self.disabled

    def set_staff_slot(self, username: str, staff_id: str, password: str, data_key: bytes) -> None:
        lk = self.lookup(username)
        self.slots = [s for s in self.slots if not (s.get("kind") == "staff" and s.get("lookup") == lk)]
        self.disabled = [d for d in self.disabled if d != lk]
        params = kdf_params()
        salt = secrets.token_bytes(16)
        slot = {
            "id": secrets.token_hex(8),
            "kind": "staff",
            "lookup": lk,
            "staff_id": staff_id,
            "salt": salt.hex(),
            "kdf": params,
        }
        self.slots.append(self._wrap(slot, derive_password_kek(password, salt, params), data_key))

    def remove_staff_slot(self, username: str, *, mark_disabled: bool) -> None:
        lk = self.lookup(username)
        self.slots = [s for s in self.slots if not (s.get("kind") == "staff" and s.get("lookup") == lk)]
        if mark_disabled and lk not in self.disabled:
            self.disabled.append(lk)
        if not mark_disabled:
            self.disabled = [d for d in self.disabled if d != lk]

    def unlock_staff(self, username: str, password: str) -> tuple[bytes, str]:
        slot = self.staff_slot(username)
        if slot is None:
            # Spend the same time as a real attempt so user names cannot be probed by timing.
            derive_password_kek(password, b"\0" * 16, kdf_params())
            raise SignInError("signin.wrong")
        kek = derive_password_kek(password, bytes.fromhex(slot["salt"]), slot["kdf"])
        return self._unwrap(slot, kek), slot["staff_id"]

    def set_recovery_slot(self, recovery_key: bytes, data_key: bytes) -> None:
        self.slots = [s for s in self.slots if s.get("kind") != "recovery"]
        slot = {"id": secrets.token_hex(8), "kind": "recovery"}
        self.slots.append(self._wrap(slot, derive_recovery_kek(recovery_key), data_key))

    def unlock_recovery(self, recovery_key: bytes) -> bytes:
        slot = next((s for s in self.slots if s.get("kind") == "recovery"), None)
        if slot is None:
            raise StoreError("store.keyslots_corrupt")
        try:
            return self._unwrap(slot, derive_recovery_kek(recovery_key))
        except SignInError:
            raise SignInError("signin.recovery_wrong") from None
