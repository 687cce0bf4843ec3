"""Enrolment: the use cases that span members, consent, paper forms and scans, composed in one place.

- `register_member`: a new member with its consent record (screen, signature or signed paper form).
- `grant_consent`: a later consent of an existing member (new purposes, or a re-consent to a new notice).
Both take the same paper evidence (`_paper_evidence`: the form looked up, its printed notice checked against
the one consented to), the same sensitive-purpose check (`app.consent.service.check_sensitive_signatures`),
and tie the form to the member and consent in their transaction (`_link_form`: the form serial is matched
and a scan of it already waiting in the inbox is archived with them, STO-2).

Each domain writes only its own tables through its public functions: members (`app.members.records`),
consent (`app.consent.service.record_consent`), printing (`app.printing.serials.match_form_serial`),
scans (`app.scans.matching.adopt_waiting_scans`). The wizards in app.flows.registration call these.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from app import crashpoints
from app.clock import iso
from app.consent.evidence import check_evidence, clean_guardian
from app.consent.service import CONSENT_CHANGE, consent_state, record_consent
from app.errors import NotFound, UserError, ValidationError
from app.members import records as R, validation as V
from app.members.fields import FIELD_PURPOSE, OPTIONAL_FIELDS, SENSITIVE_FIELDS
from app.members.paper_form import PaperForm, find_paper_form, outdated_purposes, require_current_notice
from app.members.queries import is_restricted
from app.members.records import MobileExists, find_by_mobile
from app.members.service import MEMBER_REGISTER, validate_fields
from app.notices import Notice, current_notice
from app.notices.model import REQUIRED_PURPOSE
from app.printing.serials import match_form_serial
from app.scans.matching import adopt_waiting_scans

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.fieldcrypt import FieldCipher


def _paper_evidence(
    session: Session, evidence_ref: str | None, notice: Notice, today: dt.date, *, current_only: bool
) -> PaperForm:
    """The signed form named by `evidence_ref` (this store's, unused), carrying `notice` (NOT-2). A re-consent
    (`current_only`) also needs the notice in effect today on it (CON-5)."""
    form = find_paper_form(session.db, session.store_code, evidence_ref, today)
    if current_only:
        form = require_current_notice(session.db, form, today)
    if form.notice.content_hash != notice.content_hash:
        raise UserError("consent.notice_mismatch")  # NOT-2: the version on the form
    return form


def _link_form(tx: Tx, form: PaperForm, member_id: str, consent_id: str) -> list[str]:
    """The form now names its member and consent (a later scan finds both); a scan made before waits in the
    inbox (member_missing) and is archived now. Returns the scan documents matched."""
    match_form_serial(tx, form.serial, member_id=member_id, consent_id=consent_id)
    return adopt_waiting_scans(tx, form.serial, member_id, consent_id)


def register_member(
    session: Session,
    cipher: FieldCipher,
    *,
    notice: Notice,
    decisions: dict[str, bool],
    values: dict,
    method: str = "screen",
    guardian: dict | None = None,
    signatures: dict | None = None,
    evidence_ref: str | None = None,
    minor: bool | None = None,
    signed_on_paper: Iterable[str] = (),
) -> dict:
    """Create a member with its consent record, audit entry and journal rows in one transaction.

    decisions: purpose code -> granted (refusals recorded too). values: field -> text (only fields of
    granted purposes). minor: the answer to "is the customer under 14" — required when no birth date is
    given (the customer may decline the birth date, not the question); a birth date under 14 makes a minor
    whatever the answer (CON-4). guardian: {"name", "relation", "consent": True, "sensitive": codes of the
    sensitive purposes the guardian separately consented to} for a minor. signatures: purpose code -> PNG
    bytes (decodable) for each granted sensitive purpose (SEN-1). Returns {"id", "member_no"}.
    Raises MobileExists(member_id) when the mobile is already a member's.

    method="paper": evidence_ref is the serial of the signed registration form (app.members.paper_form);
    `notice` must be the version printed on it, and each granted sensitive purpose must be in
    `signed_on_paper` (the clerk saw the customer's separate signature beside it on the form). The
    form is tied to the member and the consent record in the same transaction, so its scan is matched.
    """
    session.require(MEMBER_REGISTER)
    if not decisions.get(REQUIRED_PURPOSE):
        raise UserError("consent.required_missing")
    granted = {c for c, g in decisions.items() if g}
    today = session.clock.now().date()
    signatures = {c: s for c, s in (signatures or {}).items() if s}
    form = None
    if method == "paper":
        form = _paper_evidence(session, evidence_ref, notice, today, current_only=False)
        evidence_ref = form.serial
    paper_ok = set(signed_on_paper) if form else set()
    check_evidence(
        session.db,
        notice,
        granted,
        method=method,
        evidence_ref=evidence_ref,
        signatures=signatures,
        paper_signed=paper_ok if form else None,
        store_code=session.store_code,
    )  # SEN-1
    outdated = outdated_purposes(session.db, notice, granted, today.isoformat())
    clean = validate_fields(values, granted, today)
    if clean["birth_date"] is None and minor is None:
        raise ValidationError("consent.minor_unknown", field="under_14")  # CON-4: always established
    basis = "birth_date" if clean["birth_date"] else "answer"
    minor = bool(minor) or V.is_under_14(clean["birth_date"], today)
    guardian_clean = clean_guardian(guardian, notice, granted) if minor else None  # CON-4

    if (set(clean) & set(SENSITIVE_FIELDS) or guardian_clean or signatures) and cipher is None:
        raise UserError("member.needs_cipher")
    existing = find_by_mobile(session.db, clean["mobile"])
    if existing:
        raise MobileExists(existing)
    mid = secrets.token_hex(8)
    member_no = R.new_member_no(session.db)
    now = iso(session.clock.now())
    with session.write("member.register", "member", mid) as tx:
        R.insert_member(
            tx,
            member_id=mid,
            member_no=member_no,
            name=clean["name"],
            mobile=clean["mobile"],
            registered_at=now,
            store_code=session.store_code,
            birth_date=clean["birth_date"],
            minor=minor,
            minor_basis=basis,
        )
        stored = []
        for f in OPTIONAL_FIELDS:
            if clean.get(f):
                R.put_field(tx, cipher, mid, f, clean[f], now)
                stored.append(f)
        rid = record_consent(
            tx,
            session,
            mid,
            notice,
            decisions,
            kind="registration",
            method=method,
            cipher=cipher,
            guardian=guardian,
            evidence_ref=evidence_ref,
            signatures=signatures,
            paper_signed=paper_ok if form else None,
        )
        scans = _link_form(tx, form, mid, rid) if form is not None else []
        if outdated:  # registered on an older printed notice: consent again to what changed (CON-5)
            R.mark_reconsent_needed(tx, mid)
        tx.journal(
            "member",
            mid,
            "upsert",
            {
                "member_no": member_no,
                "name": clean["name"],
                "mobile": clean["mobile"],
                "birth_date": clean["birth_date"],
                "registered_at": now,
                "store": session.store_code,
                "fields": stored,
                "minor": minor,  # head office's register answers "minor" to another store (issue #18)
            },
        )
        tx.details = {
            "record": rid,
            "notice_version": notice.version,
            "granted": sorted(granted),
            "refused": sorted(c for c, g in decisions.items() if not g),
            "fields": ["name", "mobile"] + (["birth_date"] if clean["birth_date"] else []) + stored,
            "minor": minor,
            "minor_basis": basis,
            "guardian_consent": bool(guardian_clean),
            "method": method,
        }
        if form is not None:
            tx.details |= {
                "form": form.serial,
                "signed_on_paper": sorted(paper_ok & granted),
                "reconsent": outdated,
                "scans_matched": len(scans),
            }
        crashpoints.hit("registration.before_commit")
    crashpoints.hit("registration.after_commit")
    return {"id": mid, "member_no": member_no}


def grant_consent(
    session: Session,
    member_id: str,
    decisions: dict[str, bool],
    *,
    notice: Notice | None = None,
    values: dict | None = None,
    method: str = "screen",
    signatures: dict | None = None,
    cipher: FieldCipher | None = None,
    kind: str = "grant",
    evidence_ref: str | None = None,
    signed_on_paper: Iterable[str] = (),
    guardian: dict | None = None,
) -> str:
    """A later consent of an existing member: new optional purposes ('grant') or the decisions on a new
    notice version ('reconsent', CON-5). Fields of granted purposes may be supplied; a purpose now
    refused that was granted before is withdrawn (its data erased). Returns the record id.

    method="paper" (CON-1 signed paper form): evidence_ref is the serial of an unused form of this store
    printed with the notice in effect today (`notice` must be that version); each granted sensitive
    purpose must be in `signed_on_paper` (SEN-1). The form is tied to the member and this record in the
    same transaction, and a scan of it already waiting in the inbox is archived with them (STO-2).

    A member under 14 today (`app.members.records.minor_now`) needs `guardian` as in `register_member` (CON-4);
    a restricted member takes no purpose (RIG-5); any other method than paper names no `evidence_ref` (SEN-1)."""
    session.require(CONSENT_CHANGE)
    if kind not in ("grant", "reconsent"):
        raise ValueError(f"grant_consent: kind must be 'grant' or 'reconsent', not {kind!r}")
    if not R.member_exists(session.db, member_id):
        raise NotFound()
    today = session.clock.now().date()
    notice = notice or current_notice(session.db, "zh_CN", today.isoformat())
    if kind == "reconsent" and not decisions.get(REQUIRED_PURPOSE):
        raise UserError("consent.required_missing")
    granted = {c for c, g in decisions.items() if g}
    before = consent_state(session.db, member_id)
    clean = {}
    for f, raw in (values or {}).items():
        if raw is None or not str(raw).strip():
            continue
        if f not in OPTIONAL_FIELDS:
            continue
        if FIELD_PURPOSE[f] not in granted:
            raise ValidationError("consent.field_not_consented", field=f)
        clean[f] = (
            V.id_number(raw, session.db.scalar("SELECT birth_date FROM members WHERE id = ?", (member_id,)), today)
            if f == "id_number"
            else V.VALIDATORS[f](raw)
        )
    signatures = {c: s for c, s in (signatures or {}).items() if s}
    form = None
    if method == "paper":
        form = _paper_evidence(session, evidence_ref, notice, today, current_only=True)
        evidence_ref = form.serial
    paper_ok = set(signed_on_paper) if form else None
    check_evidence(
        session.db,
        notice,
        granted,
        method=method,
        evidence_ref=evidence_ref,
        signatures=signatures,
        paper_signed=paper_ok,
        store_code=session.store_code,
    )  # SEN-1
    if granted and is_restricted(session.db, member_id):
        raise UserError("consent.member_restricted")  # RIG-5
    minor = R.minor_now(session.db, member_id, today)
    if minor:
        clean_guardian(guardian, notice, granted)  # CON-4
    if (clean or signatures or minor) and cipher is None:
        raise UserError("member.needs_cipher")
    now = iso(session.clock.now())
    with session.write(f"consent.{kind}", "member", member_id) as tx:
        rid = record_consent(
            tx,
            session,
            member_id,
            notice,
            decisions,
            kind=kind,
            method=method,
            cipher=cipher,
            signatures=signatures,
            evidence_ref=evidence_ref,
            paper_signed=paper_ok,
            guardian=guardian,
        )
        scans = _link_form(tx, form, member_id, rid) if form is not None else []
        erased = 0
        for code, g in decisions.items():
            if not g and before.get(code):
                erased += R.erase_purpose_fields(tx, member_id, code)
        for f, v in clean.items():
            if cipher is not None:  # always set when `clean` has fields (checked above)
                R.put_field(tx, cipher, member_id, f, v, now)
        R.touch(tx, member_id, now)
        tx.details = {
            "record": rid,
            "notice_version": notice.version,
            "granted": sorted(granted),
            "refused": sorted(c for c, g in decisions.items() if not g),
            "fields": sorted(clean),
            "fields_erased": erased,
            "method": method,
            "guardian_consent": minor,
        }
        if form is not None:
            tx.details |= {
                "form": form.serial,
                "signed_on_paper": sorted(set(signed_on_paper) & granted),
                "scans_matched": len(scans),
            }
        crashpoints.hit("consent.before_commit")
    crashpoints.hit("consent.after_commit")
    return rid


__all__ = ["MobileExists", "grant_consent", "register_member"]
