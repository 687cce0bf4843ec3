"""Key slots: the random data key, wrapped once per staff password and once by a recovery key.

Like LUKS key slots. The file beside the DB holds no personal data: a staff slot is found by
`lookup` = SHA-256(file salt ‖ lower-cased user name) and names the staff member only by a
random id. Each slot is the data key under AES-GCM with a key-encryption key:
  staff slot:    KEK = Argon2id(password, slot salt)   (~0.3 s on a 2-core machine)
  recovery slot: KEK = HKDF-SHA256(recovery key)        (the recovery key is 256 random bits)
The GCM tag proves the password; the AAD binds the slot to its id and this file's db_id.

The field private key (SEN-3, issue #14; its public half is in the DB's meta table) is held by manager slots
and the recovery slot only. Each slot carries `pub`, an X25519 public key derived from its KEK
(HKDF(KEK) -> X25519), and a manager's or the recovery slot's `field_key` is the field private key sealed
to that `pub` (app.storage.sealing, AAD bound to db_id, slot id and the field public key). Opening it
takes the slot's KEK, i.e. the manager's password or the recovery key; the data key does not help. Because
sealing needs only `pub`, a manager holding the field key can give it to another manager's slot without
that manager's password (`complete_field_wraps`, run at every step-up: new managers, reset passwords,
slots of a store from before issue #14). A clerk's slot never has `field_key`.

A slot's `pub` is integrity-protected (format 2): `pub_mac` = HMAC-SHA256 under HKDF(data key) over the db_id,
the slot's id, kind, staff id and `pub`. Sealing the field key to a slot (`wrap_field_key`,
`complete_field_wraps`) first checks it and refuses an edited or unvouched `pub` (`store.keyslot_pub_unverified`),
so someone who can write the file but holds no data key cannot redirect the field key to a key pair of their
own. The owner's unlock checks `pub` against the key derived from their KEK and puts the true one back (with a
fresh MAC) if it was edited. Upgrade: a format-1 file's existing pubs are vouched for once at the first unlock
by this version (`upgrade`, trust on first use); from then on a `pub` without a valid MAC is never sealed to.
Limit: every staff password opens the data key, so a staff member who can also write the file could forge a
MAC; the owner's next sign-in repairs such a `pub`, and the field key is only ever sealed by a manager's step-up.

Every change of a staff member's slot is staged (issue #17; app.staff.slotchange): a password change or reset, a
new staff member, a re-enabling, a disabling, a removal, a demotion. The change gets an id; its new slot is
written beside the old one with `pending: true` and `change: <id>`, and what it takes away is listed under
`staged[<id>]` (`retire`: slot ids that go, `drop_field_key`: slot ids that lose the field key, `disable` /
`enable`: lookups added to or taken from `disabled`), while the old state still stands. The change and its audit
entry commit in the DB with a marker naming the change id, then `commit_change` applies it (the old slot goes) and
the marker is cleared. `unlock_staff_slot` tries a pending slot when the active one refuses the password; the
vault reconciles at every open (a change with a committed marker is applied, one without is undone), so the
password that works, and which slot holds the field key, always match the audit log.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import SignInError, StoreError, UserError
from app.messages import add_messages
from app.storage import sealing

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

log = logging.getLogger("memberdesk.keyslots")

FORMAT = 2  # 2: every `pub` carries `pub_mac`; 1 (read, upgraded at the first unlock): pubs without a MAC
FORMATS = (1, 2)

add_messages(
    {
        "store.keyslot_pub_unverified": (
            "密钥文件中某个账户的公钥未通过校验（文件可能被改动过），为安全起见没有把字段密钥交给它。"
            "请让该店长用自己的密码登录一次后重试，或从备份恢复密钥文件并联系总部IT。",
            "A public key in the key file failed its check (the file may have been edited), so the field key "
            "was not given to it. Have that manager sign in once with their own password and try again, or "
            "restore the key file from a backup and contact head-office IT.",
        ),
    }
)
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
    except ValueError as exc:  # binascii.Error is a ValueError
        raise SignInError("signin.recovery_wrong") from exc
    if len(raw) != 32:
        raise SignInError("signin.recovery_wrong")
    return raw


STAGED_EDITS = ("retire", "drop_field_key", "disable", "enable")


def _staged_from_json(data: Any) -> dict[str, dict[str, list[str]]]:
    """The `staged` part of the file, checked: change id -> {edit: [ids]} with known edits only."""
    if not isinstance(data, dict):
        raise ValueError("staged")
    out: dict[str, dict[str, list[str]]] = {}
    for change, edits in data.items():
        if not isinstance(edits, dict) or not set(edits) <= set(STAGED_EDITS):
            raise ValueError("staged")
        out[str(change)] = {k: [str(x) for x in v] for k, v in edits.items() if isinstance(v, list)}
    return out


SLOT_KEY_INFO = b"memberdesk-slot-x25519"
PUB_MAC_INFO = b"memberdesk-slot-pub-mac"


def _pub_mac_key(data_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PUB_MAC_INFO).derive(data_key)


def slot_private_key(kek: bytes) -> X25519PrivateKey:
    """The X25519 key of a slot, derived from its key-encryption key (password- or recovery-derived)."""
    return sealing.derive_private_key(kek, SLOT_KEY_INFO)


@dataclass
class UnlockedSlot:
    """What a password opens: the data key, the staff id and the slot's own X25519 key (which opens the
    slot's `field_key`, if it has one). Drop it after use."""

    data_key: bytes
    staff_id: str
    slot: dict[str, Any]
    slot_key: X25519PrivateKey
    pub_added: bool = False  # the slot got its `pub` (before issue #14) or its `pub`/`pub_mac` mended: save the file


@dataclass
class KeySlotFile:
    path: Path
    db_id: str
    lookup_salt: bytes
    slots: list[dict] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)  # lookups of disabled staff (no key material)
    format: int = FORMAT
    # change id -> what the staged change takes away when it commits (see the module text; app.staff.slotchange)
    staged: dict[str, dict[str, list[str]]] = field(default_factory=dict)

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
            if data.get("format") not in FORMATS:
                raise ValueError("format")
            return cls(
                path=path,
                db_id=str(data["db_id"]),
                lookup_salt=bytes.fromhex(data["lookup_salt"]),
                slots=list(data["slots"]),
                disabled=list(data.get("disabled", [])),
                format=int(data["format"]),
                staged=_staged_from_json(data.get("staged", {})),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError("store.keyslots_corrupt") from exc

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": self.format,
                "db_id": self.db_id,
                "lookup_salt": self.lookup_salt.hex(),
                "slots": self.slots,
                "disabled": self.disabled,
                "staged": self.staged,
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

    # -- the integrity of `pub` ------------------------------------------------------
    def _pub_message(self, slot: dict[str, Any]) -> bytes:
        return "|".join(
            (
                "memberdesk-slot-pub",
                self.db_id,
                str(slot["id"]),
                str(slot.get("kind")),
                str(slot.get("staff_id", "")),
                str(slot["pub"]),
            )
        ).encode()

    def vouch_pub(self, slot: dict[str, Any], data_key: bytes) -> None:
        """Write the slot's `pub_mac` (only a holder of the data key can)."""
        slot["pub_mac"] = hmac.new(_pub_mac_key(data_key), self._pub_message(slot), hashlib.sha256).hexdigest()

    def pub_verified(self, slot: dict[str, Any], data_key: bytes) -> bool:
        """True when the slot's `pub` carries a valid MAC under this data key."""
        if not slot.get("pub") or not isinstance(slot.get("pub_mac"), str):
            return False
        good = hmac.new(_pub_mac_key(data_key), self._pub_message(slot), hashlib.sha256).hexdigest()
        return hmac.compare_digest(good, slot["pub_mac"])

    def upgrade(self, data_key: bytes) -> bool:
        """A format-1 file, at its first unlock by this version: vouch for the pubs it holds (trust on first
        use) and become format 2. Returns True when the file changed (the caller saves it)."""
        if self.format >= FORMAT:
            return False
        for s in self.slots:
            if s.get("pub") and not self.pub_verified(s, data_key):
                self.vouch_pub(s, data_key)
        self.format = FORMAT
        return True

    def _owner_checks_pub(self, slot: dict[str, Any], slot_key: X25519PrivateKey, data_key: bytes) -> bool:
        """The slot's owner derived its key: add a missing `pub`, put back an edited one, vouch for it.
        Returns True when the slot changed."""
        true_pub = sealing.public_bytes(slot_key).hex()
        changed = False
        if slot.get("pub") != true_pub:
            if "pub" in slot:
                log.warning("key slot %s: an edited public key was put back", slot["id"])
            slot["pub"] = true_pub
            changed = True
        if not self.pub_verified(slot, data_key):
            self.vouch_pub(slot, data_key)
            changed = True
        return changed

    # -- slots -------------------------------------------------------------------
    def staff_slot(self, username: str) -> dict | None:
        """The user's active slot (not a staged, pending one)."""
        lk = self.lookup(username)
        return next(
            (s for s in self.slots if s.get("kind") == "staff" and s.get("lookup") == lk and not s.get("pending")),
            None,
        )

    def pending_slot(self, username: str) -> dict | None:
        """A password change staged for the user and not yet promoted (app.staff.slotchange)."""
        lk = self.lookup(username)
        return next(
            (s for s in self.slots if s.get("kind") == "staff" and s.get("lookup") == lk and s.get("pending")), None
        )

    def slot_by_id(self, slot_id: str) -> dict[str, Any] | None:
        return next((s for s in self.slots if s.get("id") == slot_id), None)

    @staticmethod
    def change_of(slot: dict[str, Any]) -> str:
        """The id of the staged change a pending slot belongs to (a file of the first staged version: its id)."""
        return str(slot.get("change") or slot["id"])

    def pending_ids(self) -> list[str]:
        return [str(s["id"]) for s in self.slots if s.get("pending")]

    def changes(self) -> list[str]:
        """The ids of the staged changes in this file: pending slots' and staged edits'."""
        ids = [self.change_of(s) for s in self.slots if s.get("pending")] + list(self.staged)
        return list(dict.fromkeys(ids))

    def is_disabled(self, username: str) -> bool:
        return self.lookup(username) in self.disabled

    def set_staff_slot(
        self,
        username: str,
        staff_id: str,
        password: str,
        data_key: bytes,
        *,
        field_key: X25519PrivateKey | None = None,
        field_pub: bytes | None = None,
        pending: bool = False,
        change: str | None = None,
    ) -> dict[str, Any]:
        """Write the staff member's slot. Give `field_key` (with the store's `field_pub`) for a manager only.
        `pending`: staged beside the active slot as part of `change` (a new change named after the slot when
        None; app.staff.slotchange): `commit_change` makes it the user's slot, `roll_back_change` removes it.
        Returns the slot."""
        lk = self.lookup(username)
        if pending:
            self.slots = [s for s in self.slots if not (s.get("lookup") == lk and s.get("pending"))]
        else:
            self.slots = [s for s in self.slots if not (s.get("kind") == "staff" and s.get("lookup") == lk)]
            self.disabled = [d for d in self.disabled if d != lk]
        params = kdf_params()
        salt = secrets.token_bytes(16)
        slot: dict[str, Any] = {
            "id": secrets.token_hex(8),
            "kind": "staff",
            "lookup": lk,
            "staff_id": staff_id,
            "salt": salt.hex(),
            "kdf": params,
        }
        if pending:
            slot["pending"] = True
            slot["change"] = change or slot["id"]
        kek = derive_password_kek(password, salt, params)
        slot["pub"] = sealing.public_bytes(slot_private_key(kek)).hex()
        self.vouch_pub(slot, data_key)
        self.slots.append(self._wrap(slot, kek, data_key))
        if field_key is not None and field_pub is not None:
            self.wrap_field_key(slot, field_key, field_pub, data_key=data_key)
        return slot

    def promote(self, slot_id: str) -> bool:
        """A staged slot becomes its user's slot (its whole change is applied). Returns False when no such
        pending slot."""
        slot = self.slot_by_id(slot_id)
        if slot is None or not slot.get("pending"):
            return False
        return self.commit_change(self.change_of(slot))

    def drop(self, slot_id: str) -> bool:
        """Remove a staged slot whose change was not recorded (its whole change is undone). Returns False when
        no such pending slot."""
        slot = self.slot_by_id(slot_id)
        if slot is None or not slot.get("pending"):
            return False
        return self.roll_back_change(self.change_of(slot))

    # -- staged changes (app.staff.slotchange) -------------------------------------
    def new_change(self) -> str:
        """Open a staged change; its edits are listed under its id until it is committed or rolled back."""
        change = secrets.token_hex(8)
        self.staged[change] = {}
        return change

    def _stage(self, change: str, edit: str, values: list[str]) -> None:
        if change not in self.staged:
            raise ValueError("stage edits into a change made with new_change()")
        listed = self.staged[change].setdefault(edit, [])
        listed.extend(v for v in values if v not in listed)

    def stage_removal(self, change: str, username: str, *, mark_disabled: bool) -> None:
        """As part of `change`: the user's slots go when it commits (`mark_disabled`: the name is listed as
        disabled; else taken off that list). Until then the slot opens as before."""
        lk = self.lookup(username)
        ids = [str(s["id"]) for s in self.slots if s.get("kind") == "staff" and s.get("lookup") == lk]
        self._stage(change, "retire", ids)
        self._stage(change, "disable" if mark_disabled else "enable", [lk])

    def stage_drop_field_key(self, change: str, staff_id: str) -> None:
        """As part of `change`: the staff member's slots lose the field key when it commits (a demotion)."""
        ids = [str(s["id"]) for s in self.slots if s.get("kind") == "staff" and s.get("staff_id") == staff_id]
        self._stage(change, "drop_field_key", ids)

    def commit_change(self, change: str) -> bool:
        """The change committed in the DB: its pending slots become their users' slots (the old ones go) and
        its staged edits apply. Returns False when the file holds no such change."""
        pending = [s for s in self.slots if s.get("pending") and self.change_of(s) == change]
        edits = self.staged.pop(change, None)
        if not pending and edits is None:
            return False
        edits = edits or {}
        for slot in pending:
            lk = slot.get("lookup")
            self.slots = [
                s for s in self.slots if s is slot or not (s.get("kind") == "staff" and s.get("lookup") == lk)
            ]
            slot.pop("pending")
            slot.pop("change", None)
            self.disabled = [d for d in self.disabled if d != lk]
        retire = set(edits.get("retire", []))
        self.slots = [s for s in self.slots if str(s.get("id")) not in retire]
        for s in self.slots:
            if str(s.get("id")) in edits.get("drop_field_key", []):
                s.pop("field_key", None)
                s.pop("field_pub", None)
        enable = set(edits.get("enable", []))
        self.disabled = [d for d in self.disabled if d not in enable]
        self.disabled += [d for d in dict.fromkeys(edits.get("disable", [])) if d not in self.disabled]
        return True

    def roll_back_change(self, change: str) -> bool:
        """The change did not commit: its pending slots go, its staged edits are forgotten (the old state
        stands). Returns False when the file holds no such change."""
        before = len(self.slots)
        self.slots = [s for s in self.slots if not (s.get("pending") and self.change_of(s) == change)]
        return self.staged.pop(change, None) is not None or len(self.slots) != before

    def unlock_staff(self, username: str, password: str) -> tuple[bytes, str]:
        unlocked = self.unlock_staff_slot(username, password)
        return unlocked.data_key, unlocked.staff_id

    def unlock_staff_slot(self, username: str, password: str) -> UnlockedSlot:
        """One Argon2 derivation (two while a password change is staged: the active slot, then the pending
        one): the data key, the staff id and the slot's X25519 key. The slot's `pub` is added (before issue
        #14), put back if edited, and vouched for (`pub_added`: the caller saves the file)."""
        candidates = [s for s in (self.staff_slot(username), self.pending_slot(username)) if s is not None]
        if not candidates:
            # Spend the same time as a real attempt so user names cannot be probed by timing.
            derive_password_kek(password, b"\0" * 16, kdf_params())
            raise SignInError("signin.wrong")
        for slot in candidates:
            kek = derive_password_kek(password, bytes.fromhex(slot["salt"]), slot["kdf"])
            try:
                data_key = self._unwrap(slot, kek)
            except SignInError:
                continue
            slot_key = slot_private_key(kek)
            del kek
            changed = self._owner_checks_pub(slot, slot_key, data_key)
            return UnlockedSlot(data_key, slot["staff_id"], slot, slot_key, changed)
        raise SignInError("signin.wrong")

    def set_recovery_slot(
        self,
        recovery_key: bytes,
        data_key: bytes,
        *,
        field_key: X25519PrivateKey | None = None,
        field_pub: bytes | None = None,
    ) -> None:
        self.slots = [s for s in self.slots if s.get("kind") != "recovery"]
        slot: dict[str, Any] = {"id": secrets.token_hex(8), "kind": "recovery"}
        kek = derive_recovery_kek(recovery_key)
        slot["pub"] = sealing.public_bytes(slot_private_key(kek)).hex()
        self.vouch_pub(slot, data_key)
        self.slots.append(self._wrap(slot, kek, data_key))
        if field_key is not None and field_pub is not None:
            self.wrap_field_key(slot, field_key, field_pub, data_key=data_key)

    def recovery_slot(self) -> dict[str, Any] | None:
        return next((s for s in self.slots if s.get("kind") == "recovery"), None)

    def unlock_recovery(self, recovery_key: bytes) -> bytes:
        return self.unlock_recovery_slot(recovery_key).data_key

    def unlock_recovery_slot(self, recovery_key: bytes) -> UnlockedSlot:
        slot = self.recovery_slot()
        if slot is None:
            raise StoreError("store.keyslots_corrupt")
        kek = derive_recovery_kek(recovery_key)
        try:
            data_key = self._unwrap(slot, kek)
        except SignInError:
            raise SignInError("signin.recovery_wrong") from None
        slot_key = slot_private_key(kek)
        del kek
        changed = self._owner_checks_pub(slot, slot_key, data_key)
        return UnlockedSlot(data_key, "", slot, slot_key, changed)

    # -- the field private key (SEN-3) ---------------------------------------------
    def _field_aad(self, slot: dict[str, Any], field_pub: bytes) -> bytes:
        return f"memberdesk-fieldkey|{self.db_id}|{slot['id']}|{field_pub.hex()}".encode()

    def wrap_field_key(
        self, slot: dict[str, Any], field_key: X25519PrivateKey, field_pub: bytes, *, data_key: bytes
    ) -> None:
        """Seal the field private key to the slot's `pub` (manager and recovery slots only), once its MAC
        checks out: an edited or unvouched `pub` is refused (`store.keyslot_pub_unverified`)."""
        if not self.pub_verified(slot, data_key):
            log.warning("key slot %s: public key not verified, field key not sealed to it", slot.get("id"))
            raise StoreError("store.keyslot_pub_unverified")
        blob = sealing.seal(
            bytes.fromhex(slot["pub"]), sealing.private_bytes(field_key), self._field_aad(slot, field_pub)
        )
        slot["field_key"] = blob.hex()
        slot["field_pub"] = field_pub.hex()

    def has_field_key(self, slot: dict[str, Any], field_pub: bytes) -> bool:
        """True when the slot holds a field key made for this store's field key pair."""
        return bool(slot.get("field_key")) and slot.get("field_pub") == field_pub.hex()

    def open_field_key(self, unlocked: UnlockedSlot, field_pub: bytes) -> X25519PrivateKey | None:
        """The field private key from an unlocked manager or recovery slot; None when the slot has none."""
        slot = unlocked.slot
        if not self.has_field_key(slot, field_pub):
            return None
        try:
            raw = sealing.open_sealed(
                unlocked.slot_key, bytes.fromhex(slot["field_key"]), self._field_aad(slot, field_pub)
            )
        except (sealing.SealError, ValueError):
            return None  # made for another key pair, or damaged: treated as missing (re-wrapped at a step-up)
        key = sealing.load_private_key(raw)
        del raw
        if sealing.public_bytes(key) != field_pub:
            return None
        return key

    def complete_field_wraps(
        self, field_key: X25519PrivateKey, field_pub: bytes, manager_ids: set[str], *, data_key: bytes
    ) -> int:
        """Give the field key to every manager slot and the recovery slot that has a `pub` and lacks it; take it
        from every staff slot that is not a manager's. Returns the number of slots changed. A `pub` whose MAC
        fails is refused (`store.keyslot_pub_unverified`) before anything is sealed."""
        changed = 0
        for s in self.slots:
            holder = s.get("kind") == "recovery" or (s.get("kind") == "staff" and s.get("staff_id") in manager_ids)
            if not holder:
                if "field_key" in s:
                    s.pop("field_key")
                    s.pop("field_pub", None)
                    changed += 1
                continue
            if s.get("pub") and s.get("field_pub") != field_pub.hex():
                self.wrap_field_key(s, field_key, field_pub, data_key=data_key)
                changed += 1
        return changed
