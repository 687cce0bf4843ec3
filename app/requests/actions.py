"""Carrying out a request by type: see/copy, correct, restrict, withdraw, cancel, delete.

Each `execute_*` moves a verified request to in progress, does the change through the owning
domain's functions (members: update_member and app.members.records; consent: withdraw_consent; erasure:
erase_member), and completes the request with a summary of field names, purpose codes and counts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from app.clock import iso
from app.consent.service import withdraw_consent
from app.erasure import MEMBER_ERASE, erase_member, is_erased
from app.errors import UserError, ValidationError
from app.members.service import update_member
from app.notices.store import current_notice
from app.purchases.cards import check_free_text
from app.requests import chain as C, export as X, model as M, service as S
from app.requests.letters import store_info
from app.staff.permissions import requires

if TYPE_CHECKING:
    from app.printing.fonts import FontChoice
    from app.printing.letter_layout import StoreInfo
    from app.staff.session import Session, Tx
    from app.storage.db import Row
    from app.storage.fieldcrypt import FieldCipher
    from app.sync.engine import SyncEngine


def _begin(
    session: Session, request_id: str, req_type: str | tuple[str, ...], *, permission: str = M.REQUEST_HANDLE
) -> M.MemberRequest:
    session.require(permission)
    req = S.get_request(session.db, request_id)
    types = (req_type,) if isinstance(req_type, str) else req_type
    if req["type"] not in types:
        raise UserError("requests.type_invalid")
    if not req["customer_found"] or not req["member_id"]:
        raise UserError("requests.no_member")
    if req["status"] == "verified":
        req = S.start(session, request_id)
    if req["status"] != "in_progress":
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    return cast(M.MemberRequest, req)  # checked above: the customer was found and has a member id


def _member(session: Session, member_id: str) -> Row:
    row = session.db.one("SELECT * FROM members WHERE id = ?", (member_id,))
    if row is None:
        raise UserError("requests.member_erased" if is_erased(session.db, member_id) else "requests.member_missing")
    return row


# -- see / copy (RIG-6) -----------------------------------------------------------------
@requires(M.REQUEST_EXPORT)
def build_copy(
    session: Session,
    request_id: str,
    store: StoreInfo | None = None,
    *,
    font: FontChoice | None = None,
    cipher: FieldCipher | None = None,
    other_stores: dict[str, Any] | None = None,
) -> tuple[bytes, bytes, dict[str, int]]:
    """(json_bytes, pdf_bytes, counts) of the member's data, in memory. Manager only (every field).
    Completes the request; the UI hands the bytes over (print, save to the customer's medium).
    `other_stores` ({code: {"name", "records"}}, from `chain.other_stores_part`): what the other stores hold,
    put into the copy labelled by store (issue #18)."""
    req = _begin(session, request_id, ("access", "copy", "transfer"), permission=M.REQUEST_EXPORT)
    _member(session, req["member_id"])
    data = X.collect_member_data(session, req["member_id"], cipher=cipher)
    if other_stores is not None:
        data["other_stores"] = X.other_stores_section(other_stores)
    counts = X.counts(data)
    session.audit_read(
        "member.export",
        "member",
        req["member_id"],
        {"request_id": request_id, "categories": counts, "formats": ["json", "pdf"]},
    )
    json_bytes = X.to_json_bytes(data)
    pdf_bytes = X.to_pdf_bytes(
        data,
        store or default_store(session),
        request_no=req["request_no"],
        font=font,
        prepared_by=session.staff.display_name,
        json_sha256=hashlib.sha256(json_bytes).hexdigest(),
    )
    S.complete(session, request_id, "done", {"categories": counts})
    return json_bytes, pdf_bytes, counts


@requires(M.REQUEST_EXPORT)
def build_chain_copy(
    session: Session,
    engine: SyncEngine,
    request_id: str,
    store: StoreInfo | None = None,
    *,
    font: FontChoice | None = None,
    cipher: FieldCipher | None = None,
) -> tuple[bytes, bytes, dict[str, int]]:
    """`build_copy` with what every other store holds, asked from head office (`engine`: the store's SyncEngine).
    Head office unreachable: UserError("requests.chain_unreachable"), the request stays open with a timeline
    note and its due date unchanged. A store not enrolled with head office gives its own copy."""
    req = S.get_request(session.db, request_id)
    if req["type"] not in ("access", "copy", "transfer"):
        raise UserError("requests.type_invalid")
    if not req["customer_found"] or not req["member_id"]:
        raise UserError("requests.no_member")
    if req["status"] == "verified":
        S.start(session, request_id)  # head office checks an open request: it travels in progress
    other = C.other_stores_part(session, engine, request_id, req["member_id"])
    return build_copy(session, request_id, store, font=font, cipher=cipher, other_stores=other)


def default_store(session: Session) -> StoreInfo:
    return store_info(session)


# -- explain the processing rules (PIPL Art. 48) ---------------------------------------
def execute_explain(session: Session, request_id: str) -> M.RequestRecord:
    """The explanation is the letter `letters.explanation_letter_bytes` prints from the notice in force. This
    closes the request, recording which notice version was explained. No identity check is needed (the rules
    are the store's, nobody's data is shown), so it may close from received, verified or in progress."""
    session.require(M.REQUEST_HANDLE)
    req = S.get_request(session.db, request_id)
    if req["type"] != "explain":
        raise UserError("requests.type_invalid")
    if req["status"] not in ("received", "verified", "in_progress"):
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    summary = {"notice_version": current_notice(session.db, "zh_CN").version}
    now = iso(session.clock.now())
    with session.write(
        "request.complete", "request", request_id, {"request_id": request_id, "type": "explain", "outcome": "done"}
    ) as tx:
        tx.execute(
            "UPDATE requests SET status = 'completed', outcome = 'done', result_summary = ?, closed_at = ?,"
            " closed_by = ?, updated_at = ? WHERE id = ?",
            (json.dumps(summary, sort_keys=True), now, session.staff.id, now, request_id),
        )
        S._event(tx, request_id, "completed", req["status"], "completed", data={"outcome": "done", **summary})
        tx.journal(
            "request", request_id, "upsert", {"status": "completed", "outcome": "done"}, member_id=req["member_id"]
        )
    return S.get_request(session.db, request_id)


# -- correct ----------------------------------------------------------------------------
@requires(M.REQUEST_HANDLE)
def execute_correct(
    session: Session, request_id: str, changes: dict[str, Any], cipher: FieldCipher | None = None
) -> M.RequestRecord:
    """Apply the customer's corrections through the members service (its validation applies;
    `cipher` = app.members.service.cipher_for(vault) for encrypted fields). The request and its
    audit name the fields, never the values."""
    if not changes:
        raise ValidationError("requests.changes_required", field="changes")
    req = _begin(session, request_id, "correct")
    _member(session, req["member_id"])
    # the correction journals its chain order in its own transaction: the holders follow (issue #18)
    changed = update_member(session, req["member_id"], dict(changes), cipher=cipher, request_id=request_id)
    return S.complete(session, request_id, "done", {"fields": sorted(changed or changes)})


# -- withdraw consent (CON-3) -----------------------------------------------------------
@requires(M.REQUEST_HANDLE)
def execute_withdraw(session: Session, request_id: str, purposes: list[str]) -> M.RequestRecord:
    purposes = [p for p in dict.fromkeys(purposes or []) if p]
    if not purposes:
        raise ValidationError("requests.purposes_required", field="purposes")
    req = _begin(session, request_id, "withdraw")
    _member(session, req["member_id"])
    for code in purposes:  # each withdrawal journals its chain order in its own transaction (CON-3, issue #18)
        withdraw_consent(session, req["member_id"], code, request_id=request_id)
    return S.complete(session, request_id, "done", {"purposes": purposes})


# -- restrict (RIG-5) -------------------------------------------------------------------
@requires(M.REQUEST_HANDLE)
def execute_restrict(session: Session, request_id: str) -> M.RequestRecord:
    """Storage-only state: kept and protected, hidden from clerks' search, no marketing, until lifted."""
    req = _begin(session, request_id, "restrict")
    mid = req["member_id"]
    if _member(session, mid)["restricted"]:
        raise UserError("requests.already_restricted")
    C.set_restriction(session, mid, True, request_id=request_id)  # journals the chain order too
    return S.complete(session, request_id, "done", {"restricted": True})


def lift_restriction(session: Session, member_id: str, reason: str, request_id: str | None = None) -> None:
    """A manager lifts a restriction (the customer asked, or the legal reason ended)."""
    session.require(M.RESTRICTION_LIFT)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("requests.reason_required", field="reason")
    check_free_text({"reason": reason})  # PAY-1
    if not _member(session, member_id)["restricted"]:
        raise UserError("requests.not_restricted")
    C.set_restriction(session, member_id, False, request_id=request_id, note=reason)  # journals the chain order too


# -- cancel membership (RET-2) ----------------------------------------------------------
@requires(M.REQUEST_HANDLE)
def execute_cancel(session: Session, request_id: str) -> M.RequestRecord:
    """End the membership: status cancelled, cancelled_at now (starts the 3-year clock, RET-2),
    marketing and offers off — at every store that holds the member, at this time (`chain.cancel_membership`)."""
    req = _begin(session, request_id, "cancel")
    mid = req["member_id"]
    if _member(session, mid)["status"] == "cancelled":
        raise UserError("requests.already_cancelled")
    # journals the cancellation order in the same transaction: every holder cancels at this time (issue #18)
    now = C.cancel_membership(session, mid, request_id=request_id)
    return S.complete(session, request_id, "done", {"cancelled_at": now})


# -- delete (RIG-3) ---------------------------------------------------------------------
def ledger_path_for(session: Session) -> Path:
    """erasure-ledger.jsonl beside the DB (= vault.paths.erasure_ledger)."""
    return Path(session.db.path).parent / "erasure-ledger.jsonl"


def execute_delete(session: Session, request_id: str, *, ledger_path: Path | None = None) -> M.RequestRecord:
    """Erase the member (manager only): every domain's eraser in one transaction, ledger entry,
    WAL checkpoint. Purchases stay, unlinked. The request stays, without personal data."""
    session.require(MEMBER_ERASE)
    req = S.get_request(session.db, request_id)
    if req["type"] != "delete":
        raise UserError("requests.type_invalid")
    if not req["member_id"]:
        raise UserError("requests.no_member")
    mid = req["member_id"]
    if req["status"] == "verified":
        req = S.start(session, request_id)
    if req["status"] != "in_progress":
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    entry = session.db.one("SELECT request_id FROM erasure_ledger WHERE member_id = ?", (mid,))
    if entry is not None:
        # erased already: by this request (a crash before completing it) or by another one
        outcome = "done" if entry["request_id"] == request_id else "already_erased"
        return S.complete(session, request_id, outcome, {"erased": True})
    counts = erase_member(
        session, mid, reason="request", request_id=request_id, ledger_path=ledger_path or ledger_path_for(session)
    )
    return S.complete(session, request_id, "done", {"erased": True, "counts": counts})


def _erase_requests(tx: Tx, member_id: str) -> int:
    """Eraser: the member's requests stay as a minimal record (type, dates, outcome, ledger link);
    every text a clerk typed about them goes."""
    ids = [r[0] for r in tx.all("SELECT id FROM requests WHERE member_id = ?", (member_id,))]
    for rid in ids:
        tx.execute("UPDATE request_events SET note = NULL WHERE request_id = ?", (rid,))
        tx.execute(
            "UPDATE requests SET refusal_reason = CASE WHEN refusal_reason IS NULL THEN NULL ELSE '' END,"
            " member_erased = 1 WHERE id = ?",
            (rid,),
        )
    return len(ids)
