"""RET-4: ID numbers are kept only while the business need lasts (instalment / finance service).

`mark_business_done(session, member_id, cipher)` — a manager step on the member page:
- at once: member_fields('id_number') is overwritten with the masked form (440301********1234), both
  its value and its display, so no screen, reveal or export can show the original any more;
- the original moves to id_number_retention (encrypted, AAD id_number_retention.original_enc:<member>),
  kept only for the RET-4 period (≤ 30 days, e.g. a dispute about the finished contract);
- the retention sweep deletes it when the period has run (category "id_number").

Works on the member_fields table of migration 0002 (field 'id_number', fieldcrypt token in value_enc
with AAD member_fields.value_enc:<row id>).
"""

from __future__ import annotations

from app.clock import iso
from app.erasure import register_eraser
from app.errors import NotFound, ValidationError
from app.members.fields import mask_id_number as members_mask
from app.staff import permissions as P
from app.storage.fieldcrypt import register_column

ID_BUSINESS_DONE = P.grant("member.id_number.business_done", P.MANAGER)
FIELD = "id_number"

register_column("id_number_retention", "member_id", "original_enc", sealed=True)  # SEN-3: a step-up reads it


def mask_id_number(value: str) -> str:
    """The registration domain's display form (one masking rule for the whole app)."""
    return members_mask(value)


def id_number_state(db, member_id: str) -> dict:
    """{'stored': bool, 'business_done_at': str|None, 'deleted_at': str|None, 'masked': str|None}."""
    f = db.one("SELECT masked FROM member_fields WHERE member_id = ? AND field = ?", (member_id, FIELD))
    r = db.one("SELECT business_done_at, deleted_at FROM id_number_retention WHERE member_id = ?", (member_id,))
    return {
        "stored": f is not None,
        "masked": f["masked"] if f else None,
        "business_done_at": r["business_done_at"] if r else None,
        "deleted_at": r["deleted_at"] if r else None,
    }


def mark_business_done(session, member_id: str, cipher) -> None:
    """The business that needed the ID number is finished: mask now, delete the original later (RET-4).
    `cipher` is app.storage.fieldcrypt.FieldCipher(vault.data_key())."""
    session.require(ID_BUSINESS_DONE)
    row = session.db.one(
        "SELECT id, value_enc, updated_at FROM member_fields WHERE member_id = ? AND field = ?", (member_id, FIELD)
    )
    if row is None:
        raise NotFound()
    done = session.db.one("SELECT business_done_at FROM id_number_retention WHERE member_id = ?", (member_id,))
    if done and row["updated_at"] <= done["business_done_at"]:
        raise ValidationError("retention.id_already_done", field=FIELD)
    # (an ID number stored again for a new business after an earlier "done" starts a new cycle; the
    # earlier original, if still kept, goes now — earlier than the 30 days, which the policy allows)
    original = cipher.decrypt(row["value_enc"], "member_fields", "value_enc", row["id"])
    masked = mask_id_number(original)
    now = iso(session.clock.now())
    with session.write("member.id_number.business_done", "member", member_id, {"field": FIELD}) as tx:
        tx.execute(
            "INSERT OR REPLACE INTO id_number_retention(member_id, original_enc, business_done_at, masked_at,"
            " staff_id) VALUES (?,?,?,?,?)",
            (
                member_id,
                cipher.encrypt(original, "id_number_retention", "original_enc", member_id),
                now,
                now,
                session.staff.id,
            ),
        )
        tx.execute(
            "UPDATE member_fields SET value_enc = ?, masked = ?, updated_at = ? WHERE id = ?",
            (cipher.encrypt(masked, "member_fields", "value_enc", row["id"]), masked, now, row["id"]),
        )
        tx.journal(
            "member", member_id, "upsert", {"id_number_masked": masked, "business_done_at": now}, member_id=member_id
        )
    del original


def _erase_id_retention(tx, member_id: str) -> int:
    return tx.execute("DELETE FROM id_number_retention WHERE member_id = ?", (member_id,)).rowcount


register_eraser("id_number_retention", _erase_id_retention)
