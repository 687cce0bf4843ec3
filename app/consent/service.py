"""Consent records (CON-1..5): who agreed to which purpose of which notice version, how and when.

Every registration, later grant, re-consent and withdrawal writes one consent_records row with
one consent_items row per purpose decided (refusals too), inside the caller's write transaction.
This domain owns consent_records, consent_items, member_consents and consent_evidence; the member's own
row and fields are written through app.members.records. The use cases that combine a consent with a
registration, fields or a paper form are in app.flows.enrolment.
member_consents holds the current state per purpose; `active_purposes` says which processing
may run now (granted, and unchanged since the version the member agreed to: CON-5).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app import crashpoints
from app.clock import iso
from app.consent.evidence import check_evidence, clean_guardian
from app.consent.history import consent_history as consent_history  # its home since issue #18; imported from here
from app.erasure import register_eraser
from app.errors import NotFound, PermissionDenied, UserError, ValidationError
from app.members import records as R
from app.members.orders import file_order
from app.members.queries import is_restricted
from app.messages import add_messages
from app.notices import Notice, current_notice, default_notice, get_notice, store_default, unchanged_purposes
from app.notices.model import REQUIRED_PURPOSE
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries
    from app.storage.fieldcrypt import FieldCipher

CONSENT_CHANGE = P.grant("member.consent", P.CLERK, P.MANAGER)
METHODS = ("screen", "signature", "paper", "desk")

add_messages(
    {
        "consent.required_missing": (
            "办理会员须同意“办理会员并提供会员权益”这一项；其他各项均可不同意。",
            "Membership needs consent to the membership purpose; every other purpose is optional.",
        ),
        "consent.sensitive_needs_signature": (
            "“{purpose}”涉及敏感个人信息，须顾客单独签名同意（或签署纸质同意书）。",
            "“{purpose}” involves sensitive personal information: the customer must "
            "sign a separate consent (or a paper form).",
        ),
        "consent.unknown_purpose": ("告知书中没有处理目的 {purpose}。", "The notice has no purpose {purpose}."),
        "consent.required_cannot_withdraw": (
            "“办理会员”是会员的基础；撤回即注销会员，请通过个人信息权利申请办理注销会员。",
            "Membership itself cannot be withdrawn here: that is cancelling the "
            "membership, done through a data-subject request.",
        ),
        "consent.not_granted": (
            "该项目前未同意，无需撤回。",
            "This purpose is not currently consented; nothing to withdraw.",
        ),
        "consent.field_not_consented": (
            "这一项只能在顾客同意相应的处理目的后填写。",
            "This field can be filled in only after the customer consents to its purpose.",
        ),
        "consent.member_restricted": (
            "该会员的个人信息已限制处理（仅存储），不能同意新的处理目的；须先由店长解除限制。",
            "This member's information is restricted (storage only): no purpose can be consented to until a "
            "store manager lifts the restriction.",
        ),
        "consent.notice_mismatch": (
            "告知书版本与已发布的内容不一致，请重新打开登记。",
            "The notice differs from the published version; restart the registration.",
        ),
    }
)


def _ensure_notice_stored(tx: Tx, notice: Notice, session: Session) -> None:
    """The consent names a notice version by hash: that exact text must be kept (NOT-2)."""
    row = tx.one("SELECT content_hash FROM notices WHERE version = ? AND lang = ?", (notice.version, notice.lang))
    if row is not None:
        if row[0] != notice.content_hash:
            raise UserError("consent.notice_mismatch")
        return
    if default_notice(notice.lang) != notice:
        raise UserError("consent.notice_mismatch")
    # first use of the shipped default: both languages stored, re-consent flagged if it replaces an older one
    store_default(tx, iso(session.clock.now()), session.staff.id)


def check_sensitive_signatures(
    notice: Notice, granted: Iterable[str], signatures: dict[str, bytes], *, paper_signed: set[str] | None = None
) -> None:
    """SEN-1, the one check: every granted sensitive purpose has the customer's separate signature, on screen
    (`signatures[code]`) or, for a signed paper form (`paper_signed` given), confirmed by the clerk beside that
    purpose on the form."""
    for code in sorted(granted):
        p = notice.purpose(code)
        if p is None or not p.sensitive or signatures.get(code):
            continue
        if paper_signed is None:
            raise UserError("consent.sensitive_needs_signature", purpose=p.title)
        if code not in paper_signed:
            raise ValidationError("member.paper_sensitive_unsigned", field=f"paper_sensitive_{code}", purpose=p.title)


def record_consent(
    tx: Tx,
    session: Session,
    member_id: str,
    notice: Notice,
    decisions: dict[str, bool],
    *,
    kind: str,
    method: str,
    cipher: FieldCipher | None = None,
    guardian: dict[str, Any] | None = None,
    evidence_ref: str | None = None,
    signatures: dict[str, bytes] | None = None,
    paper_signed: Iterable[str] | None = None,
    request_id: str | None = None,
    order_id: str | None = None,
    decided_at: str | None = None,
    feed: object = None,
) -> str:
    """Write one consent record inside the caller's transaction. Returns the record id.

    `decided_at`: when the customer made the decision this record carries out, if not now — head office's order
    or merge carried out here later. It is the decision's time everywhere a newest decision is chosen (the state's
    `updated_at`, the journalled `at`, the order filed); the record keeps when it was written (`created_at`, and
    `carried_out_at` in the journal). Re-dating it to now would make an old decision beat every decision made
    meanwhile elsewhere in the chain (CON-3).

    A purpose granted before and refused by this record (a withdrawal, or a re-consent that refuses it) journals
    a `withdrawal_order` in the same transaction: every store that holds the member follows (issue #18, CON-3),
    with `request_id` when a request asked for it. `order_id` = head office's order being carried out here:
    nothing is filed again (no ping-pong).

    Whatever the caller, a record that grants anything is checked here: its evidence (`check_evidence`: a paper
    consent names a form this store issued and `paper_signed` confirms each granted sensitive purpose; any other
    method has no `evidence_ref` and a decodable signature per sensitive purpose: SEN-1), a member under 14 has
    the guardian's consent and, per sensitive purpose, the guardian's separate consent (CON-4), and a restricted
    member takes no purpose at all (RIG-5: storage only)."""
    if method not in METHODS:
        raise ValueError(f"consent method must be one of {METHODS}, not {method!r}")  # a caller's mistake
    if decided_at is not None and not (P.feed_verified(feed) or session.can(P.HEAD_OFFICE_FEED)):
        # a decision dated other than now: head office's orders and merges only (inside the caller's write: the
        # refusal rolls it back)
        raise PermissionDenied(action=P.HEAD_OFFICE_FEED)
    signatures = signatures or {}
    for code in decisions:
        if notice.purpose(code) is None:
            raise UserError("consent.unknown_purpose", purpose=code)
    granted_codes = {c for c, g in decisions.items() if g}
    if kind != "withdrawal":
        check_evidence(
            tx,
            notice,
            granted_codes,
            method=method,
            evidence_ref=evidence_ref,
            signatures=signatures,
            paper_signed=paper_signed,
            store_code=session.store_code,
        )  # SEN-1
        if granted_codes and is_restricted(tx, member_id):
            raise UserError("consent.member_restricted")  # RIG-5
        if R.minor_now(tx, member_id, session.clock.now().date()):
            guardian = clean_guardian(guardian, notice, granted_codes)  # CON-4
        else:
            guardian = None
    else:
        guardian = None
    _ensure_notice_stored(tx, notice, session)
    rid = secrets.token_hex(8)
    now = iso(session.clock.now())
    at = decided_at or now
    withdrawn = sorted(
        c
        for c, g in decisions.items()
        if not g
        and tx.scalar(
            "SELECT granted FROM member_consents WHERE member_id = ? AND purpose_code = ?", (member_id, c), default=0
        )
    )
    guardian_enc = None
    if guardian:
        if cipher is None:
            raise UserError("member.needs_cipher")
        guardian_enc = cipher.encrypt(guardian["name"], "consent_records", "guardian_name_enc", rid)
    tx.execute(
        "INSERT INTO consent_records(id, member_id, kind, notice_version, notice_lang, notice_hash, method,"
        " staff_id, store_code, terminal, created_at, evidence_ref, guardian_name_enc, guardian_relation,"
        " guardian_consent) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            rid,
            member_id,
            kind,
            notice.version,
            notice.lang,
            notice.content_hash,
            method,
            session.staff.id,
            session.store_code,
            session.terminal,
            now,
            evidence_ref,
            guardian_enc,
            guardian["relation"] if guardian else None,
            1 if guardian else 0,
        ),
    )
    by_guardian = set(guardian["sensitive"]) if guardian else set()
    for code, granted in decisions.items():
        p = notice.purpose(code)
        if p is None:  # refused above; kept for the type checker
            raise UserError("consent.unknown_purpose", purpose=code)
        tx.execute(
            "INSERT INTO consent_items(record_id, purpose_code, granted, sensitive, purpose_hash, guardian_separate)"
            " VALUES (?,?,?,?,?,?)",
            (
                rid,
                code,
                int(bool(granted)),
                int(p.sensitive),
                p.purpose_hash,
                int(bool(granted) and code in by_guardian),
            ),
        )
        tx.execute(
            "INSERT INTO member_consents(member_id, purpose_code, granted, record_id, notice_version,"
            " purpose_hash, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(member_id, purpose_code) DO UPDATE"
            " SET granted=excluded.granted, record_id=excluded.record_id, notice_version=excluded.notice_version,"
            " purpose_hash=excluded.purpose_hash, updated_at=excluded.updated_at",
            (member_id, code, int(bool(granted)), rid, notice.version, p.purpose_hash, at),
        )
    for code, png in signatures.items():
        if not png or not decisions.get(code):
            continue
        if cipher is None:  # a signature is sealed (SEN-3): the caller passes the session's cipher
            raise UserError("member.needs_cipher")
        eid = secrets.token_hex(8)
        tx.execute(
            "INSERT INTO consent_evidence(id, record_id, member_id, purpose_code, kind, mime, data, created_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                eid,
                rid,
                member_id,
                code,
                "signature",
                "image/png",
                cipher.encrypt_bytes(bytes(png), f"consent_evidence.data:{eid}"),
                now,
            ),
        )
    _mirror_flags(tx, member_id)
    if kind in ("registration", "reconsent"):
        R.set_notice_version(tx, member_id, notice.version, now)
    tx.journal(
        "consent",
        rid,
        "upsert",
        {
            "member_id": member_id,
            "kind": kind,
            "notice_version": notice.version,
            "notice_hash": notice.content_hash,
            "method": method,
            "decisions": {c: bool(g) for c, g in decisions.items()},
            "at": at,
            "evidence_ref": evidence_ref,
            **({"carried_out_at": now} if decided_at else {}),
        },
        member_id=member_id,
    )
    if withdrawn and order_id is None:
        crashpoints.hit("chain.before_order")
        body: dict[str, Any] = {"purposes": withdrawn, **({"decided_at": decided_at} if decided_at else {})}
        file_order(tx, "withdrawal_order", member_id, request_id, body)  # CON-3: the holders follow
    return rid


def _mirror_flags(tx: Tx, member_id: str) -> None:
    """members.marketing_opt_in / offers_opt_in follow the consent state at once (CON-3)."""
    state = {
        r[0]: bool(r[1])
        for r in tx.all(
            "SELECT purpose_code, granted FROM member_consents WHERE member_id = ?"
            " AND purpose_code IN ('marketing', 'offers')",
            (member_id,),
        )
    }
    R.set_opt_in_flags(tx, member_id, marketing=state.get("marketing", False), offers=state.get("offers", False))


def withdraw_consent(
    session: Session,
    member_id: str,
    purpose_code: str,
    *,
    method: str = "desk",
    evidence_ref: str | None = None,
    request_id: str | None = None,
    order_id: str | None = None,
    decided_at: str | None = None,
    feed: object = None,
) -> str:
    """Withdraw one purpose, effective at once (CON-3): recorded like a consent, the purpose's data
    (sensitive data above all) erased in the same transaction, opt-in flags off. Returns record id.
    The withdrawal journals its chain order in the same transaction (`record_consent`); `order_id` = head
    office's order being carried out here (recorded as the evidence, nothing filed again); `decided_at` = when
    the customer withdrew, for a withdrawal decided elsewhere and carried out here (an order's or a merge's
    time): the decision keeps its own time (`record_consent`); only with head office's `feed` capability
    (`app.staff.permissions.VerifiedFeed`, the appliers' `ctx.feed`): a person cannot backdate a decision."""
    session.require(CONSENT_CHANGE)
    if decided_at is not None and not P.feed_verified(feed):
        session.require(P.HEAD_OFFICE_FEED)  # backdating a withdrawal would let older grants elsewhere beat it (CON-3)
    if purpose_code == REQUIRED_PURPOSE:
        raise UserError("consent.required_cannot_withdraw")
    row = session.db.one(
        "SELECT granted FROM member_consents WHERE member_id = ? AND purpose_code = ?", (member_id, purpose_code)
    )
    if not R.member_exists(session.db, member_id):
        raise NotFound()
    if row is None or not row[0]:
        raise UserError("consent.not_granted")
    notice = current_notice(session.db, "zh_CN", session.clock.now().date().isoformat())
    if notice.purpose(purpose_code) is None:  # a purpose dropped from the current notice: use the member's version
        version = session.db.scalar(
            "SELECT notice_version FROM member_consents WHERE member_id = ? AND purpose_code = ?",
            (member_id, purpose_code),
        )
        notice = get_notice(session.db, version, "zh_CN")
    with session.write("consent.withdraw", "member", member_id) as tx:
        rid = record_consent(
            tx,
            session,
            member_id,
            notice,
            {purpose_code: False},
            kind="withdrawal",
            method=method,
            evidence_ref=evidence_ref if order_id is None else f"order:{order_id}",
            request_id=request_id,
            order_id=order_id,
            decided_at=decided_at,
            feed=feed,
        )
        erased = R.erase_purpose_fields(tx, member_id, purpose_code)
        R.touch(tx, member_id, iso(session.clock.now()))
        tx.details = {"purpose": purpose_code, "record": rid, "fields_erased": erased}
        crashpoints.hit("withdrawal.before_commit")
    return rid


def consent_state(db: Queries, member_id: str) -> dict[str, bool]:
    return {
        r[0]: bool(r[1])
        for r in db.all("SELECT purpose_code, granted FROM member_consents WHERE member_id = ?", (member_id,))
    }


def active_purposes(db: Queries, member_id: str, today: str | None = None) -> set[str]:
    """Purposes whose processing may run for this member now: granted, and the purpose has not changed
    (data types, retention, recipients, ...) in the notice in effect `today` (ISO date, default: the
    system date) since the version agreed to (CON-5)."""
    agreed = {
        r[0]: r[1]
        for r in db.all(
            "SELECT purpose_code, notice_version FROM member_consents WHERE member_id = ? AND granted = 1",
            (member_id,),
        )
    }
    return unchanged_purposes(db, agreed, today or dt.date.today().isoformat())


def consent_active(db: Queries, member_id: str, purpose_code: str, today: str | None = None) -> bool:
    """May this member's data be processed for `purpose_code` now? (marketing, offers, delivery ...)"""
    return purpose_code in active_purposes(db, member_id, today)


def needs_reconsent(db: Queries, member_id: str, today: str | None = None) -> list[str]:
    """Purposes the member agreed to that changed in the current notice (the next visit prompts)."""
    granted = [
        r[0]
        for r in db.all("SELECT purpose_code FROM member_consents WHERE member_id = ? AND granted = 1", (member_id,))
    ]
    active = active_purposes(db, member_id, today)
    return [c for c in granted if c not in active]


def signature_images(db: Queries, cipher: FieldCipher, member_id: str) -> list[tuple[str, str, bytes]]:
    """(record id, purpose, PNG bytes) of a member's signatures, decrypted (for the data copy)."""
    return [
        (r[0], r[1], cipher.decrypt_bytes(r[3], f"consent_evidence.data:{r[2]}"))
        for r in db.all(
            "SELECT record_id, purpose_code, id, data FROM consent_evidence WHERE member_id = ?", (member_id,)
        )
    ]


def _erase_registration(tx: Tx, member_id: str) -> int:
    """Eraser: the member's consent records, items, state and signatures, and (app.members.records) the
    optional fields and name bigrams."""
    n = 0
    for table in ("consent_evidence", "member_consents"):
        n += tx.execute(f"DELETE FROM {table} WHERE member_id = ?", (member_id,)).rowcount
    n += R.erase_member_fields(tx, member_id)
    n += tx.execute(
        "DELETE FROM consent_items WHERE record_id IN (SELECT id FROM consent_records WHERE member_id = ?)",
        (member_id,),
    ).rowcount
    n += tx.execute("DELETE FROM consent_records WHERE member_id = ?", (member_id,)).rowcount
    return n


register_eraser("registration", _erase_registration)
