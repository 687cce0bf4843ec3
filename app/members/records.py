"""The members domain's writes of its own tables: `members` and `member_fields`.

Every write of these tables in the core goes through a function here, inside the caller's transaction
(`tx` from `session.write(...)`): other domains (consent, requests, enrolment) call them instead of
writing the rows themselves. Reads that several domains need (`find_by_mobile`, `member_exists`) are here too.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from typing import TYPE_CHECKING

import sqlcipher3.dbapi2 as sqlcipher

from app.errors import UserError
from app.members.fields import FIELD_PURPOSE, OPTIONAL_FIELDS, mask

if TYPE_CHECKING:
    from app.staff.session import Tx
    from app.storage.db import Queries
    from app.storage.fieldcrypt import FieldCipher

IntegrityError = (sqlcipher.IntegrityError, sqlite3.IntegrityError)


class MobileExists(UserError):
    """The mobile already belongs to a member: the UI opens `member_id` instead of a second member."""

    key = "member.mobile_exists"

    def __init__(self, member_id: str):
        super().__init__()
        self.member_id = member_id


def find_by_mobile(db: Queries, mobile: str) -> str | None:
    return db.scalar("SELECT id FROM members WHERE mobile = ?", (mobile,))


def member_exists(db: Queries, member_id: str | None) -> bool:
    return bool(member_id) and db.one("SELECT 1 FROM members WHERE id = ?", (member_id,)) is not None


def minor_now(db: Queries, member_id: str, today: dt.date) -> bool:
    """Is the member under 14 today (CON-4)? From the birth date when there is one; else the answer given at
    registration stands (a declared minor stays one until a birth date shows otherwise: fail closed)."""
    row = db.one("SELECT birth_date, is_minor FROM members WHERE id = ?", (member_id,))
    if row is None:
        return False
    if row[0]:
        b = dt.date.fromisoformat(row[0])
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day)) < 14
    return bool(row[1])


def new_member_no(db: Queries) -> str:
    """Member number printed on the card barcode: 'M' + 10 digits (never derived from personal data). Once the
    store is enrolled, head office's prefix for it (meta.member_no_prefix, 3 digits) leads and 7 digits are
    random: numbers are then unique across the chain (issue #18); before, all 10 are random."""
    prefix = str(db.scalar("SELECT value FROM meta WHERE key = 'member_no_prefix'") or "")
    prefix = prefix if prefix.isdigit() and len(prefix) < 10 else ""
    while True:
        no = "M" + prefix + "".join(secrets.choice("0123456789") for _ in range(10 - len(prefix)))
        if db.one("SELECT 1 FROM members WHERE member_no = ?", (no,)) is None:
            return no


def insert_member(
    tx: Tx,
    *,
    member_id: str,
    member_no: str,
    name: str,
    mobile: str,
    registered_at: str,
    store_code: str,
    birth_date: str | None,
    minor: bool,
    minor_basis: str | None = None,
) -> None:
    """The new member's row. A mobile already taken raises MobileExists: found by a query first; a concurrent
    registration of the same mobile (another connection committed in between) fails on the UNIQUE(mobile)
    constraint, recognised by the row it collides with, not by the error's text."""
    existing = find_by_mobile(tx, mobile)
    if existing:
        raise MobileExists(existing)
    try:
        tx.execute(
            "INSERT INTO members(id, member_no, name, mobile, status, registered_at, registered_store,"
            " updated_at, birth_date, is_minor, minor_basis) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                member_id,
                member_no,
                name,
                mobile,
                "active",
                registered_at,
                store_code,
                registered_at,
                birth_date,
                int(minor),
                minor_basis,
            ),
        )
    except IntegrityError:
        other = find_by_mobile(tx, mobile)
        if other and other != member_id:  # the UNIQUE(mobile) constraint: that member has it
            raise MobileExists(other) from None
        raise


def insert_adopted_member(
    tx: Tx,
    *,
    member_id: str,
    member_no: str,
    name: str,
    mobile: str,
    registered_at: str,
    origin_store: str,
    adopted_at: str,
    minor: bool,
    restricted: bool,
    notice_version: str | None,
) -> None:
    """A member of another store taken on here (issue #18, app.flows.adoption): the same id and member number, the
    origin's registration date and store, when this store took it on. A minor stays one (CON-4: the flag, basis
    'head_office', as no birth date travels); a restricted member stays restricted (RIG-5). A local member with
    that mobile raises MobileExists (never two members for one mobile here)."""
    insert_member(
        tx,
        member_id=member_id,
        member_no=member_no,
        name=name,
        mobile=mobile,
        registered_at=registered_at,
        store_code=origin_store,
        birth_date=None,
        minor=minor,
        minor_basis="head_office",
    )
    tx.execute(
        "UPDATE members SET adopted_from = ?, adopted_at = ?, restricted = ?, notice_version = ?, updated_at = ?"
        " WHERE id = ?",
        (origin_store, adopted_at, int(bool(restricted)), notice_version, adopted_at, member_id),
    )


def update_core(tx: Tx, member_id: str, values: dict, now: str) -> None:
    """Set core columns (name, mobile, birth_date) and updated_at. A mobile another member took meanwhile
    raises MobileExists (the caller checked with find_by_mobile first)."""
    cols = [c for c in values if c in ("name", "mobile", "birth_date")]
    if len(cols) != len(values):
        raise ValueError(f"not a core member field: {sorted(set(values) - set(cols))}")
    try:
        tx.execute(
            f"UPDATE members SET {''.join(c + ' = ?, ' for c in cols)}updated_at = ? WHERE id = ?",
            (*[values[c] for c in cols], now, member_id),
        )
    except IntegrityError:
        other = find_by_mobile(tx, values["mobile"]) if "mobile" in values else None
        if other and other != member_id:  # the UNIQUE(mobile) constraint: that member has it
            raise MobileExists(other) from None
        raise


def touch(tx: Tx, member_id: str, now: str) -> None:
    """The member changed (a consent, a field): updated_at."""
    tx.execute("UPDATE members SET updated_at = ? WHERE id = ?", (now, member_id))


def set_notice_version(tx: Tx, member_id: str, version: str, now: str) -> None:
    """The member consented to `version` (registration, re-consent): the re-consent flag clears (CON-5)."""
    tx.execute(
        "UPDATE members SET notice_version = ?, reconsent_needed = 0, updated_at = ? WHERE id = ?",
        (version, now, member_id),
    )


def mark_reconsent_needed(tx: Tx, member_id: str) -> None:
    """Registered on an older printed notice: the next visit asks for consent to what changed (CON-5)."""
    tx.execute("UPDATE members SET reconsent_needed = 1 WHERE id = ?", (member_id,))


def set_opt_in_flags(tx: Tx, member_id: str, *, marketing: bool, offers: bool) -> None:
    """members.marketing_opt_in / offers_opt_in (the consent domain keeps them equal to its state: CON-3)."""
    tx.execute(
        "UPDATE members SET marketing_opt_in = ?, offers_opt_in = ? WHERE id = ?",
        (int(bool(marketing)), int(bool(offers)), member_id),
    )


def set_restricted(tx: Tx, member_id: str, restricted: bool, now: str) -> None:
    """Storage-only state on or off (RIG-5)."""
    tx.execute(
        "UPDATE members SET restricted = ?, updated_at = ? WHERE id = ?", (int(bool(restricted)), now, member_id)
    )


def cancel_membership_row(tx: Tx, member_id: str, now: str, cancelled_at: str | None = None) -> None:
    """Status cancelled, cancelled_at now (starts RET-2's 3-year clock), marketing and offers off.
    `cancelled_at`: the time the membership ended when that was at another store (head office's order)."""
    tx.execute(
        "UPDATE members SET status = 'cancelled', cancelled_at = ?, updated_at = ?, marketing_opt_in = 0,"
        " offers_opt_in = 0 WHERE id = ?",
        (cancelled_at or now, now, member_id),
    )


def raise_last_purchase(tx: Tx, member_id: str, at: str) -> None:
    """members.last_purchase_at = `at` unless it is already later (RET-2 counts from the last purchase)."""
    tx.execute(
        "UPDATE members SET last_purchase_at = ?1 WHERE id = ?2"
        " AND (last_purchase_at IS NULL OR last_purchase_at < ?1)",
        (at, member_id),
    )


def fold_purchase_touches(conn: Queries) -> int:
    """Take the POS import's notes of newest purchases (purchase_touch, app.purchases) into
    members.last_purchase_at, never moving it backwards; one statement for any number of members."""
    return conn.execute(
        "UPDATE members SET last_purchase_at = t.last_at FROM purchase_touch t"
        " WHERE t.member_id = members.id AND (members.last_purchase_at IS NULL"
        " OR members.last_purchase_at < t.last_at)"
    ).rowcount


def put_field(tx: Tx, cipher: FieldCipher, member_id: str, field: str, value: str, now: str) -> None:
    """Store (or replace) one optional field, encrypted (SEN-3) with its masked display form."""
    if field not in OPTIONAL_FIELDS:
        raise ValueError(f"not an optional member field: {field!r}")
    row = tx.one("SELECT id FROM member_fields WHERE member_id = ? AND field = ?", (member_id, field))
    fid = row[0] if row else secrets.token_hex(8)
    enc = cipher.encrypt(value, "member_fields", "value_enc", fid)
    if row:
        tx.execute(
            "UPDATE member_fields SET value_enc = ?, masked = ?, updated_at = ? WHERE id = ?",
            (enc, mask(field, value), now, fid),
        )
    else:
        tx.execute(
            "INSERT INTO member_fields(id, member_id, field, purpose_code, value_enc, masked, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (fid, member_id, field, FIELD_PURPOSE[field], enc, mask(field, value), now, now),
        )


def erase_purpose_fields(tx: Tx, member_id: str, purpose_code: str) -> int:
    """Delete the data collected for one purpose (address for delivery, ID number, feature code...)."""
    fields = [f for f in OPTIONAL_FIELDS if FIELD_PURPOSE[f] == purpose_code]
    if not fields:
        return 0
    marks = ",".join("?" * len(fields))
    return tx.execute(
        f"DELETE FROM member_fields WHERE member_id = ? AND field IN ({marks})", (member_id, *fields)
    ).rowcount


def erase_member_fields(tx: Tx, member_id: str) -> int:
    """Eraser part: the member's optional fields and name bigrams (the member row goes last, app.erasure)."""
    n = tx.execute("DELETE FROM member_fields WHERE member_id = ?", (member_id,)).rowcount
    n += tx.execute("DELETE FROM member_name_grams WHERE member_id = ?", (member_id,)).rowcount
    return n


def drop_fields(tx: Tx, member_id: str, fields: list[str]) -> list[str]:
    """Delete these optional fields of the member (a value corrected at another store: issue #18). Returns the
    fields that were held here."""
    held = []
    for f in fields:
        if (
            f in OPTIONAL_FIELDS
            and tx.execute("DELETE FROM member_fields WHERE member_id = ? AND field = ?", (member_id, f)).rowcount
        ):
            held.append(f)
    return held


# -- a customer registered twice, merged by head office (issue #18, app.flows.merge) -----------------------------
NOT_RE_POINTED = ("members", "change_journal", "erasure_ledger", "member_merges")  # history, or the row itself
KEEP_SURVIVORS = (  # one row per member (and field), derived
    "member_name_grams",
    "purchase_touch",
    "id_number_retention",
    "member_field_decisions",
)


def _member_columns(tx: Tx) -> list[tuple[str, str]]:
    """Every (table, column) naming a member by id, found in the schema (a domain's new table is included)."""
    out = []
    for (table,) in tx.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        if table in NOT_RE_POINTED:
            continue
        for col in (r[1] for r in tx.all(f"PRAGMA table_info({table})")):
            if col in ("member_id", "matched_member_id"):
                out.append((str(table), str(col)))
    return out


def join_member(tx: Tx, merged_id: str, survivor_id: str, member_no: str, now: str) -> str:
    """Join the merged-away member's rows to the survivor, under the survivor's id and member number; returns
    "renamed" (this store held only the merged member: its row takes the survivor's id) or "joined" (it held both:
    the survivor's row stays, restricted / minor if either was, the last purchase the later one, and the merged
    row goes). Every row naming the merged id — purchases, consent records and evidence, requests, scans — is
    re-pointed, nothing deleted, except per-member derived rows the survivor has already (name bigrams, the
    purchase note, the ID-number clock) and an optional field the survivor holds too (the survivor's value stays).
    The consent state (`member_consents`, `consent_references`) must be joined before (app.consent.merging).
    Foreign keys are checked at commit (the ids change together)."""
    if not member_exists(tx, merged_id) or merged_id == survivor_id:
        return "not_held"
    tx.execute("PRAGMA defer_foreign_keys = ON")
    both = member_exists(tx, survivor_id)
    if not both:
        tx.execute(
            "UPDATE members SET id = ?, member_no = ?, updated_at = ? WHERE id = ?",
            (survivor_id, member_no, now, merged_id),
        )
    else:
        tx.execute(
            "DELETE FROM member_fields WHERE member_id = ? AND field IN"
            " (SELECT field FROM member_fields WHERE member_id = ?)",
            (merged_id, survivor_id),
        )
        tx.execute(
            "UPDATE members SET restricted = max(restricted, m.r), is_minor = max(is_minor, m.minor),"
            " last_purchase_at = max(coalesce(last_purchase_at, ''), coalesce(m.lp, '')), updated_at = ?"
            " FROM (SELECT restricted AS r, is_minor AS minor, last_purchase_at AS lp FROM members WHERE id = ?) m"
            " WHERE id = ?",
            (now, merged_id, survivor_id),
        )
        tx.execute("UPDATE members SET last_purchase_at = NULL WHERE id = ? AND last_purchase_at = ''", (survivor_id,))
    for table, col in _member_columns(tx):
        if both and table in KEEP_SURVIVORS:
            tx.execute(f"UPDATE OR IGNORE {table} SET {col} = ? WHERE {col} = ?", (survivor_id, merged_id))
            tx.execute(f"DELETE FROM {table} WHERE {col} = ?", (merged_id,))
        else:
            tx.execute(f"UPDATE {table} SET {col} = ? WHERE {col} = ?", (survivor_id, merged_id))
    if both:
        tx.execute("DELETE FROM members WHERE id = ?", (merged_id,))
    return "joined" if both else "renamed"


def set_member_no(tx: Tx, member_id: str, member_no: str, now: str) -> None:
    """Head office gave the member another chain-wide number (a merge kept the survivor's, or a number two
    customers had drawn was renumbered)."""
    tx.execute("UPDATE members SET member_no = ?, updated_at = ? WHERE id = ?", (member_no, now, member_id))


def raise_flags(
    tx: Tx,
    member_id: str,
    *,
    restricted: bool,
    minor: bool,
    now: str,
    membership: tuple[str | None, str | None] | None = None,
) -> None:
    """A merge: restricted if either record was (RIG-5), minor if either was (CON-4); never lowered here.
    `membership` (registered_at, cancelled_at or None), settled by `app.members.membership.settle` over both records:
    registered_at becomes the newest registration; cancelled at that time (marketing and offers off), or active
    again when a registration after every cancellation started a new membership."""
    if membership is not None:
        registered, cancelled = membership
        if registered:
            tx.execute("UPDATE members SET registered_at = ? WHERE id = ?", (registered, member_id))
        if cancelled:
            cancel_membership_row(tx, member_id, now, cancelled)
        else:
            tx.execute(
                "UPDATE members SET status = 'active', cancelled_at = NULL, updated_at = ? WHERE id = ?"
                " AND status = 'cancelled'",
                (now, member_id),
            )
    if restricted:
        tx.execute(
            "UPDATE members SET restricted = 1, updated_at = ? WHERE id = ? AND restricted = 0", (now, member_id)
        )
    if minor:
        tx.execute(
            "UPDATE members SET is_minor = 1, minor_basis = coalesce(minor_basis, 'head_office'), updated_at = ?"
            " WHERE id = ? AND is_minor = 0",
            (now, member_id),
        )
