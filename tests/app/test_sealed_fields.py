"""SEN-3 / SEC-1 (issue #14): a clerk's session stores sensitive fields but cannot read them back; only a
manager's step-up opens them, for one operation."""

import base64
import json
import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.access.rekey import begin_rekey, finish_rekey
from app.consent.service import signature_images
from app.errors import PermissionDenied, SignInError, StoreError, UserError
from app.members.service import cipher_for, export_profile, reveal_field, update_member
from app.requests.export import collect_member_data, export_member
from app.retention.id_numbers import mark_business_done
from app.staff.service import add_staff, change_own_password, change_role, reset_password
from app.storage import keyslots as ks, sealing
from app.storage.fieldcrypt import (
    ENCRYPTED_BLOBS,
    ENCRYPTED_COLUMNS,
    SEALED,
    FieldCipher,
    is_sealed_column,
    token_is_sealed,
)
from tests.app.regdata import PNG, id_number, register
from tests.conftest import CLERK_PW, MANAGER_PW

SKIN = "ZQX油性肌肤标记"
SENSITIVE = {
    "values": {"id_number": id_number(), "face_feature": "ab" * 40, "skin_notes": SKIN},
    "granted": {"instalment": True, "face_payment": True, "skin_analysis": True},
    "signatures": {"instalment": PNG, "face_payment": PNG, "skin_analysis": PNG},
}


def _register_sensitive(session, vault) -> str:
    return register(session, vault, **SENSITIVE)["id"]


def _sealed_values(db):
    """(table, column, row id, stored value) of every value in a sealed column."""
    out = []
    for table, idc, col in ENCRYPTED_COLUMNS + ENCRYPTED_BLOBS:
        if (table, col) in SEALED:
            out += [
                (table, col, r[0], r[1]) for r in db.all(f"SELECT {idc}, {col} FROM {table} WHERE {col} IS NOT NULL")
            ]
    return out


def _open(cipher, table, col, rid, value):
    if isinstance(value, str):
        return cipher.decrypt(value, table, col, rid)
    return cipher.decrypt_bytes(bytes(value), f"{table}.{col}:{rid}")


def test_the_sensitive_columns_are_sealed():
    assert is_sealed_column("member_fields", "value_enc")  # rule: SEN-3
    assert is_sealed_column("consent_evidence", "data")  # rule: SEN-3
    assert is_sealed_column("id_number_retention", "original_enc")  # rule: SEN-3
    assert not is_sealed_column("scans", "image") and not is_sealed_column("consent_records", "guardian_name_enc")


def test_clerk_registers_sensitive_fields_but_nothing_it_holds_opens_them(vault, manager, clerk, paths):
    mid = _register_sensitive(clerk, vault)
    stored = _sealed_values(clerk.db)
    assert len(stored) == 6 and all(token_is_sealed(v) for *_x, v in stored)  # rule: SEN-3
    data_key = vault.data_key()  # everything a clerk's session holds: the data key included
    slot_file = json.loads(paths.keyslots.read_text("utf-8"))
    clerk_ciphers = [
        cipher_for(vault),
        FieldCipher(data_key),
        FieldCipher(data_key, public_key=vault.field_cipher().public_key),
        # a private key made from the data key in any obvious way
        FieldCipher(data_key, private_key=X25519PrivateKey.from_private_bytes(data_key[:32])),
        FieldCipher(data_key, private_key=ks.slot_private_key(data_key)),
    ]
    for cipher in clerk_ciphers:
        for table, col, rid, value in stored:
            with pytest.raises((UserError, StoreError)):
                _open(cipher, table, col, rid, value)  # rule: SEN-3
    # the clerk's own slot holds no field key; the manager's and the recovery slot's do not open with the data key
    clerk_slot = ks.KeySlotFile.load(paths.keyslots).staff_slot("clerk")
    assert "field_key" not in clerk_slot  # rule: SEN-3
    holders = [s for s in slot_file["slots"] if s.get("field_key")]
    assert {s["kind"] for s in holders} == {"staff", "recovery"} and len(holders) == 2
    for s in holders:
        for guess in (ks.slot_private_key(data_key), ks.slot_private_key(ks.derive_recovery_kek(data_key))):
            with pytest.raises(sealing.SealError):
                sealing.open_sealed(guess, bytes.fromhex(s["field_key"]), b"")  # rule: SEN-3
    # the clerk's own password gives its slot's key, which opens no field key
    unlocked = ks.KeySlotFile.load(paths.keyslots).unlock_staff_slot("clerk", CLERK_PW)
    for s in holders:
        with pytest.raises(sealing.SealError):
            sealing.open_sealed(unlocked.slot_key, bytes.fromhex(s["field_key"]), b"x")  # rule: SEN-3

    # every public function that decrypts, with the clerk's cipher
    c = cipher_for(vault)
    with pytest.raises(PermissionDenied):
        reveal_field(clerk, mid, "id_number", "customer_request", "顾客要求核对", c)  # rule: SEC-1
    for f in ("id_number", "skin_notes"):  # even a manager's session cannot with what any session holds
        with pytest.raises(UserError) as ei:
            reveal_field(manager, mid, f, "customer_request", "顾客要求核对", c)
        assert ei.value.key == "fieldcrypt.step_up"  # rule: SEN-3
    with pytest.raises(UserError):
        export_profile(clerk.db, mid, c)  # rule: SEN-3
    with pytest.raises(UserError):
        export_member(clerk.db, mid, c)  # rule: SEN-3
    with pytest.raises(UserError):
        collect_member_data(manager, mid, cipher=c)  # rule: SEN-3
    with pytest.raises(UserError):
        signature_images(clerk.db, c, mid)  # rule: SEN-3
    with pytest.raises(UserError):
        mark_business_done(manager, mid, c)  # rule: SEN-3
    assert manager.db.scalar("SELECT count(*) FROM id_number_retention") == 0
    # a clerk's correction stores the new value sealed without reading the old one
    update_member(clerk, mid, {"skin_notes": "中性肌肤"}, cipher=c)
    assert all(token_is_sealed(v) for *_x, v in _sealed_values(clerk.db))  # rule: SEN-3
    # a clerk's password is no step-up
    with pytest.raises(UserError) as ei, vault.step_up("clerk", CLERK_PW):
        pass
    assert ei.value.key == "error.permission"  # rule: SEC-1


def test_step_up_opens_for_one_operation_and_drops_the_key(vault, manager, clerk):
    mid = _register_sensitive(clerk, vault)
    with vault.step_up("manager", MANAGER_PW) as up:
        assert up.staff.id == manager.staff.id
        session = up.session(clerk)
        assert session.staff.is_manager and session.acting_manager == up.staff
        assert reveal_field(session, mid, "skin_notes", "customer_request", "顾客要求核对", up.cipher) == SKIN
        assert {p for _r, p, _png in signature_images(clerk.db, up.cipher, mid)} == set(SENSITIVE["signatures"])
        held = up.cipher
    assert not held.can_open_sealed  # rule: SEN-3
    with pytest.raises(UserError):
        reveal_field(session, mid, "skin_notes", "customer_request", "顾客要求核对", held)  # rule: SEN-3
    for holder in (vault, manager, clerk, session):
        assert not any(isinstance(v, X25519PrivateKey) for v in vars(holder).values())  # rule: SEN-3
    with pytest.raises(SignInError), vault.step_up("manager", "wrong-password-1"):
        pass


def test_managers_only_hold_the_key_through_staff_changes(vault, manager, clerk, paths):
    mid = _register_sensitive(clerk, vault)

    def reveals(user, pw):
        with vault.step_up(user, pw) as up:
            return reveal_field(up.session(manager), mid, "id_number", "legal", "核对记录", up.cipher)

    # a manager added without the acting manager's password waits for the next step-up
    add_staff(vault, manager, username="boss2", display_name="赵店长", role="manager", password="Boss2-pass-12")
    with pytest.raises(UserError) as ei:
        reveals("boss2", "Boss2-pass-12")
    assert ei.value.key == "fieldcrypt.no_wrap"
    assert reveals("manager", MANAGER_PW) == id_number()  # completes the waiting wraps (audited)
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'store.field_key_wrapped'") == 1
    assert reveals("boss2", "Boss2-pass-12") == id_number()
    # with the acting manager's password the new manager holds it at once
    add_staff(
        vault,
        manager,
        username="boss3",
        display_name="钱店长",
        role="manager",
        password="Boss3-pass-12",
        manager_password=MANAGER_PW,
    )
    assert reveals("boss3", "Boss3-pass-12") == id_number()
    # demotion takes it away
    boss2 = manager.db.scalar("SELECT id FROM staff WHERE username = 'boss2'")
    change_role(vault, manager, boss2, "clerk")
    assert "field_key" not in ks.KeySlotFile.load(paths.keyslots).staff_slot("boss2")  # rule: SEN-3
    assert all(
        "field_key" not in s
        for s in ks.KeySlotFile.load(paths.keyslots).slots
        if s.get("staff_id") in {clerk.staff.id, boss2}
    )  # rule: SEN-3
    # a temporary password set by a manager: the slot is new; a clerk's gets no key, a manager's waits
    reset_password(vault, manager, boss2, "Temp-pass-123")
    assert reveals("manager", MANAGER_PW) == id_number()
    assert "field_key" not in ks.KeySlotFile.load(paths.keyslots).staff_slot("boss2")  # rule: SEN-3
    # a manager's own password change keeps it
    change_own_password(vault, manager, MANAGER_PW, "Manager-pass-2")
    assert reveals("manager", "Manager-pass-2") == id_number()


def test_recovery_reset_and_rekey_rewrap_for_managers_only(vault, manager, clerk, paths):
    mid = _register_sensitive(clerk, vault)
    vault.lock()
    session = vault.reset_password_with_recovery(manager.recovery_key, "manager", "Recovered-pass-3")
    with vault.step_up("manager", "Recovered-pass-3") as up:
        assert reveal_field(session, mid, "id_number", "legal", "核对记录", up.cipher) == id_number()
    plan = begin_rekey(vault, session, "Recovered-pass-3")
    finish_rekey(vault, plan, plan.recovery_key)
    new_recovery = plan.recovery_key
    slots = ks.KeySlotFile.load(paths.keyslots)
    assert {s["kind"] for s in slots.slots if s.get("field_key")} == {"staff", "recovery"}  # rule: SEN-3
    session = vault.sign_in("manager", "Recovered-pass-3")
    assert all(token_is_sealed(v) for *_x, v in _sealed_values(session.db))
    with vault.step_up("manager", "Recovered-pass-3") as up:
        assert reveal_field(session, mid, "id_number", "legal", "核对记录", up.cipher) == id_number()
    vault.lock()
    session = vault.reset_password_with_recovery(new_recovery, "manager", "Recovered-pass-4")
    with vault.step_up("manager", "Recovered-pass-4") as up:
        assert reveal_field(session, mid, "skin_notes", "legal", "核对记录", up.cipher) == SKIN


def _legacy(data_key, value: bytes, aad: str) -> bytes:
    """A field-key ciphertext as stores wrote them before issue #14."""
    nonce = secrets.token_bytes(12)
    return b"MDv1" + nonce + FieldCipher(data_key)._aead.encrypt(nonce, value, aad.encode())


def test_a_store_from_before_the_change_is_sealed_at_the_first_manager_sign_in(vault, manager, clerk, paths):
    mid = _register_sensitive(clerk, vault)
    data_key = vault.data_key()
    # make it a store from before issue #14: field-key ciphertexts, no key pair, slots without pub/field_key
    with vault.step_up("manager", MANAGER_PW) as up:
        clear = {(t, c, r): _open(up.cipher, t, c, r, v) for t, c, r, v in _sealed_values(manager.db)}
    with manager.db.transaction() as conn:
        for (t, c, r), v in clear.items():
            raw = v.encode() if isinstance(v, str) else v
            blob = _legacy(data_key, raw, f"{t}.{c}:{r}")
            stored = "v1:" + base64.b64encode(blob).decode() if isinstance(v, str) else blob
            idc = next(i for tt, i, cc in ENCRYPTED_COLUMNS + ENCRYPTED_BLOBS if (tt, cc) == (t, c))
            conn.execute(f"UPDATE {t} SET {c} = ? WHERE {idc} = ?", (stored, r))
        conn.execute("DELETE FROM meta WHERE key IN ('field_public_key', 'fields_sealed_at')")
    slots = ks.KeySlotFile.load(paths.keyslots)
    for s in slots.slots:
        for k in ("pub", "field_key", "field_pub"):
            s.pop(k, None)
    slots.save()
    vault.lock()

    # a clerk first: the old values still read (the upgrade window), new sensitive values wait for a manager
    clerk = vault.sign_in("clerk", CLERK_PW)
    assert cipher_for(vault).decrypt(*_field_row(clerk.db, mid, "skin_notes")) == SKIN
    with pytest.raises(UserError) as ei:
        update_member(clerk, mid, {"skin_notes": "干性肌肤"}, cipher=cipher_for(vault))
    assert ei.value.key == "fieldcrypt.no_public_key"  # rule: SEN-3 (never stored under the field key)
    vault.lock()
    # the first manager sign-in makes the key pair and seals every old value, audited
    session = vault.sign_in("manager", MANAGER_PW)
    assert all(token_is_sealed(v) for *_x, v in _sealed_values(session.db))  # rule: SEN-3
    actions = [r[0] for r in session.db.all("SELECT action FROM audit_log ORDER BY seq")]
    assert "store.field_keys_created" in actions and "store.fields_sealed" in actions
    sealed_entry = session.db.scalar("SELECT details FROM audit_log WHERE action = 'store.fields_sealed'")
    assert json.loads(sealed_entry)["count"] == len(clear)
    with pytest.raises(UserError):
        cipher_for(vault).decrypt(*_field_row(session.db, mid, "skin_notes"))  # rule: SEN-3
    with vault.step_up("manager", MANAGER_PW) as up:
        assert reveal_field(session, mid, "skin_notes", "legal", "核对记录", up.cipher) == SKIN
        assert {_open(up.cipher, t, c, r, v) for t, c, r, v in _sealed_values(session.db)} == set(clear.values())


def _field_row(db, mid, field):
    r = db.one("SELECT id, value_enc FROM member_fields WHERE member_id = ? AND field = ?", (mid, field))
    return r["value_enc"], "member_fields", "value_enc", r["id"]
