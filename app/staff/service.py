"""Staff accounts: a manager adds, disables and removes staff; everyone changes their own password.

Each change updates the DB row (audited, journaled) and the key-slot file together, and every key-slot write is
staged (app.staff.slotchange): new slots are saved as pending and what goes is listed in the file, the change
commits with a marker, then the file follows. A crash at any point leaves the old slots and no entry, or the new
slots and their entry (the next open rolls the file forward or back): a new staff member's password opens the
store only once their row and audit entry are in the chain, a removed or disabled one's slot goes only when
that is recorded, and a demoted manager's slot loses the field key exactly when the demotion is. One mechanism
for every change, also for the ones that take something away: a removal or demotion done before its commit
would be fail-safe but could lock somebody out (a slot cannot be remade without its password).

The field private key (SEN-3) goes with manager slots only: a password change keeps it in the manager's new
slot; a new manager's slot gets it at once when the adding manager gives their password (`manager_password`),
else at the next manager step-up (app.access.vault.Vault.step_up, which reads the roles from the DB); a
demotion takes it away. A promotion writes nothing to the key file: the promoted slot gets the key at the next
manager step-up, so it never holds it while the DB says clerk.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from app.clock import iso
from app.errors import SignInError, UserError, ValidationError
from app.staff import permissions as P, slotchange
from app.staff.passwords import check_password, check_username
from app.staff.session import Session, Staff
from app.storage.db import Row
from app.storage.fieldcrypt import store_public_key

if TYPE_CHECKING:  # the vault (app.access) is above staff: a type only
    from app.access.vault import Vault


def list_staff(session: Session) -> list[dict]:
    session.require(P.STAFF_MANAGE)
    rows = session.db.all(
        "SELECT id, username, display_name, role, disabled, created_at FROM staff"
        " WHERE removed_at IS NULL ORDER BY role DESC, username"
    )
    return [dict(r) for r in rows]


def _active_managers(session: Session) -> int:
    return session.db.scalar(
        "SELECT count(*) FROM staff WHERE role = 'manager' AND disabled = 0 AND removed_at IS NULL", default=0
    )


def add_staff(
    vault: Vault,
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    manager_password: str | None = None,
) -> Staff:
    """Add a staff member. A new manager's slot gets the field key now when `manager_password` (the acting
    manager's own) is given, else at the next manager step-up."""
    session.require(P.STAFF_MANAGE)
    username = check_username(username)
    check_password(password, username)
    if role not in P.ROLES:
        raise ValidationError("error.validation", field="role")
    if not (display_name or "").strip():
        raise ValidationError("setup.display_name_required", field="display_name")
    if session.db.one("SELECT 1 FROM staff WHERE username = ?", (username,)):
        raise ValidationError("signin.username_taken", field="username")
    staff_id = secrets.token_hex(8)
    slots = vault.slots()
    field_pub = store_public_key(session.db)
    field_key = None
    if role == P.MANAGER and manager_password and field_pub is not None:
        acting = slots.unlock_staff_slot(session.staff.username, manager_password)
        if acting.staff_id != session.staff.id:
            raise SignInError("signin.wrong")
        field_key = slots.open_field_key(acting, field_pub)
        del acting
    # staged: the new password opens the store exactly when the row and its entry committed (slotchange)
    slot = slots.set_staff_slot(
        username, staff_id, password, vault.data_key(), field_key=field_key, field_pub=field_pub, pending=True
    )
    del field_key
    with (
        slotchange.staged(session.db, slots, slot, kind="staff") as change_id,
        session.write("staff.add", "staff", staff_id, {"role": role, "field_key": "field_key" in slot}) as tx,
    ):
        tx.execute(
            "INSERT INTO staff(id, username, display_name, role, created_at, created_by, must_change_password)"
            " VALUES (?,?,?,?,?,?,1)",
            (staff_id, username, display_name.strip(), role, iso(session.clock.now()), session.staff.id),
        )
        tx.journal("staff", staff_id, "upsert", {"role": role})
        slotchange.record(tx.conn, change_id)
    return Staff(staff_id, username, display_name.strip(), role, True)


def _get(session: Session, staff_id: str) -> Row:
    row = session.db.one("SELECT * FROM staff WHERE id = ? AND removed_at IS NULL", (staff_id,))
    if row is None:
        raise UserError("error.not_found")
    return row


def set_disabled(vault: Vault, session: Session, staff_id: str, disabled: bool, *, password: str | None = None) -> None:
    """Disable removes the staff member's key slot (their password no longer opens anything).
    Re-enabling needs a new password, set by the manager and changed at first sign-in. Both staged
    (slotchange): the slot goes, or the new one opens, exactly when the change is recorded."""
    session.require(P.STAFF_MANAGE)
    row = _get(session, staff_id)
    if disabled and row["role"] == P.MANAGER and not row["disabled"] and _active_managers(session) <= 1:
        raise UserError("signin.last_manager")
    if not disabled:
        check_password(password or "", row["username"])
    slots = vault.slots()
    change = slots.new_change()
    if disabled:
        slots.stage_removal(change, row["username"], mark_disabled=True)
    else:
        slots.set_staff_slot(row["username"], staff_id, password or "", vault.data_key(), pending=True, change=change)
    with (
        slotchange.staged(session.db, slots, change, kind="staff") as change_id,
        session.write("staff.disable" if disabled else "staff.enable", "staff", staff_id) as tx,
    ):
        tx.execute(
            "UPDATE staff SET disabled = ?, must_change_password = ? WHERE id = ?",
            (1 if disabled else 0, 0 if disabled else 1, staff_id),
        )
        tx.journal("staff", staff_id, "upsert", {"disabled": disabled})
        slotchange.record(tx.conn, change_id)


def remove_staff(vault: Vault, session: Session, staff_id: str) -> None:
    """Remove keeps the row (the audit log refers to it) but frees the user name's key slot, once the removal
    is recorded (staged: slotchange)."""
    session.require(P.STAFF_MANAGE)
    row = _get(session, staff_id)
    if staff_id == session.staff.id:
        raise UserError("signin.last_manager")
    if row["role"] == P.MANAGER and not row["disabled"] and _active_managers(session) <= 1:
        raise UserError("signin.last_manager")
    slots = vault.slots()
    change = slots.new_change()
    slots.stage_removal(change, row["username"], mark_disabled=False)
    with (
        slotchange.staged(session.db, slots, change, kind="staff") as change_id,
        session.write("staff.remove", "staff", staff_id) as tx,
    ):
        tx.execute(
            "UPDATE staff SET removed_at = ?, disabled = 1, username = username || '#' || id WHERE id = ?",
            (iso(session.clock.now()), staff_id),
        )
        tx.journal("staff", staff_id, "delete", {})
        slotchange.record(tx.conn, change_id)


def change_own_password(vault: Vault, session: Session, old_password: str, new_password: str) -> None:
    session.require(P.OWN_PASSWORD)
    slots = vault.slots()
    try:
        unlocked = slots.unlock_staff_slot(session.staff.username, old_password)
    except SignInError:
        raise SignInError("signin.wrong") from None
    if unlocked.staff_id != session.staff.id:
        raise SignInError("signin.wrong")
    check_password(new_password, session.staff.username)
    field_pub = store_public_key(session.db)
    # a manager's field key moves to the new slot (SEN-3); a clerk's slot never has one
    field_key = slots.open_field_key(unlocked, field_pub) if field_pub and session.staff.is_manager else None
    del unlocked
    # the new slot, its audit entry and the old slot agree whatever the crash point (app.staff.slotchange)
    slot = slots.set_staff_slot(
        session.staff.username,
        session.staff.id,
        new_password,
        vault.data_key(),
        field_key=field_key,
        field_pub=field_pub,
        pending=True,
    )
    with (
        slotchange.staged(session.db, slots, slot) as slot_id,
        session.write("staff.password_change", "staff", session.staff.id) as tx,
    ):
        tx.execute("UPDATE staff SET must_change_password = 0 WHERE id = ?", (session.staff.id,))
        slotchange.record(tx.conn, slot_id)
    del field_key


def reset_password(vault: Vault, session: Session, staff_id: str, temporary_password: str) -> None:
    """A manager sets a temporary password; the staff member must change it at next sign-in."""
    session.require(P.STAFF_MANAGE)
    row = _get(session, staff_id)
    check_password(temporary_password, row["username"])
    slots = vault.slots()
    slot = slots.set_staff_slot(row["username"], staff_id, temporary_password, vault.data_key(), pending=True)
    with (
        slotchange.staged(session.db, slots, slot) as slot_id,
        session.write("staff.password_reset", "staff", staff_id) as tx,
    ):
        tx.execute("UPDATE staff SET must_change_password = 1, disabled = 0 WHERE id = ?", (staff_id,))
        slotchange.record(tx.conn, slot_id)


def change_role(vault: Vault, session: Session, staff_id: str, role: str) -> None:
    """Promote a clerk or demote a manager. A demoted manager's slot loses the field key exactly when the
    demotion is recorded (staged: slotchange; SEN-3); a promoted clerk's slot gets it at the next manager
    step-up (nothing is staged for it)."""
    session.require(P.STAFF_MANAGE)
    if role not in P.ROLES:
        raise ValidationError("error.validation", field="role")
    row = _get(session, staff_id)
    if row["role"] == role:
        return
    if row["role"] == P.MANAGER and not row["disabled"] and _active_managers(session) <= 1:
        raise UserError("signin.last_manager")
    slots = vault.slots()
    change = slots.new_change()  # a promotion stages nothing: the next manager step-up wraps the key (fieldkeys)
    if role != P.MANAGER:
        slots.stage_drop_field_key(change, staff_id)
    with (
        slotchange.staged(session.db, slots, change, kind="staff") as change_id,
        session.write("staff.role_change", "staff", staff_id, {"role": role}) as tx,
    ):
        tx.execute("UPDATE staff SET role = ? WHERE id = ?", (role, staff_id))
        tx.journal("staff", staff_id, "upsert", {"role": role})
        slotchange.record(tx.conn, change_id)
