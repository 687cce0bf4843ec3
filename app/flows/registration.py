"""Member registration as a plain state machine (the Qt wizard only renders it).

    on screen:  NOTICE -> CONSENT -> SENSITIVE (one screen per granted sensitive purpose) -> FIELDS -> REVIEW -> DONE
    on paper:   FORM -> CONSENT (with the paper signatures of sensitive purposes) -> FIELDS -> REVIEW -> DONE
                                                              \\-> EXISTING (mobile already a member)
`choose_mode("screen" | "paper")` on the first step switches between the two (nothing decided is kept);
`scanned_form(text)` on any step: the form's QR was scanned, so paper mode with that form (typing kept).

- NOTICE: the customer reads the current notice before anything is collected (NOT-1).
- CONSENT: one decision per purpose, nothing pre-ticked; "next" depends only on the required
  purpose (CON-2).
- SENSITIVE: separate consent per granted sensitive purpose with its necessity and protection text and
  a signature (SEN-1); declining here just refuses that purpose. The sensitive value itself is only
  collected after this separate consent.
- FIELDS: only the fields of granted purposes (MIN-1..3); without a birth date the question "is the customer
  under 14" must be answered (`set_under_14`); a minor needs the guardian's name, relation and consent and, per
  granted sensitive purpose, the guardian's separate consent (`confirm_guardian_sensitive`) (CON-4). A
  re-consent of a member under 14 asks the same of the guardian.
- REVIEW -> submit(): one transaction (app.flows.enrolment.register_member).
- Paper (signed registration form, CON-1): FORM takes the serial, typed or scanned, checked by
  app.members.paper_form; the notice is the version printed on that form (NOT-2). CONSENT: the ticks
  copied from paper and, per granted sensitive purpose, the clerk's confirmation of the customer's
  separate signature beside it (SEN-1). REVIEW needs "the customer signed the form"; method "paper".
`back()` never loses what was typed; fields of a purpose refused later are kept in the form but
never submitted.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from app.errors import UserError, ValidationError
from app.flows.enrolment import grant_consent, register_member
from app.flows.paper_mode import PaperMode
from app.flows.steps import Step
from app.members import validation as V
from app.members.fields import FIELD_PURPOSE, OPTIONAL_FIELDS
from app.members.paper_form import PaperForm, find_paper_form, require_current_notice
from app.members.records import MobileExists, find_by_mobile, minor_now
from app.notices import Notice, current_notice

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.fieldcrypt import FieldCipher
from app.notices.model import REQUIRED_PURPOSE

FIELD_ORDER = ("name", "mobile", "birth_date", "address", "id_number", "face_feature", "skin_notes")


class RegistrationFlow(PaperMode):
    paper_allowed = True  # a registration may be entered from a signed paper form

    def __init__(
        self, session: Session, *, notice: Notice | None = None, lang: str = "zh_CN", method: str = "screen"
    ) -> None:
        self.session = session
        self.notice = notice or current_notice(session.db, lang, session.clock.now().date().isoformat())
        self.method = method
        self.step = Step.NOTICE
        self.notice_read = False
        self.decisions: dict[str, bool | None] = {p.code: None for p in self.notice.purposes}  # nothing pre-ticked
        self.values: dict[str, str] = {}
        self.errors: dict[str, UserError] = {}
        self.under_14: bool | None = None  # the answer to "is the customer under 14" (CON-4); None: not given
        self.guardian: dict[str, str] = {"name": "", "relation": ""}
        self.guardian_confirmed = False
        self.guardian_sensitive: set[str] = set()  # sensitive purposes the guardian separately consented to
        self.signatures: dict[str, bytes] = {}
        self.sensitive_index = 0
        self.result: dict[str, Any] | None = None
        self.existing_member_id: str | None = None
        self.screen_notice = self.notice
        self.form: PaperForm | None = None  # paper mode: the form being entered
        self.signed_on_paper: set[str] = set()  # sensitive purposes whose separate signature the clerk saw
        self.paper_signed = False  # the clerk saw the customer's signature on the form
        if method == "paper":
            self.method, self.step = "paper", Step.FORM

    # -- derived state -------------------------------------------------------------
    @property
    def today(self) -> dt.date:
        return self.session.clock.now().date()

    def _title(self, code: str) -> str:
        purpose = self.notice.purpose(code)
        return purpose.title if purpose else code

    def granted(self) -> set[str]:
        return {c for c, g in self.decisions.items() if g}

    def sensitive_pending(self) -> list[str]:
        """Granted sensitive purposes, in notice order (each gets its own consent screen)."""
        return [p.code for p in self.notice.purposes if p.sensitive and self.decisions.get(p.code)]

    def current_sensitive(self) -> str | None:
        pend = self.sensitive_pending()
        return pend[self.sensitive_index] if self.sensitive_index < len(pend) else None

    def can_confirm_consent(self) -> bool:
        """CON-2: depends only on the required purpose, never on the optional ones."""
        return self.decisions.get(REQUIRED_PURPOSE) is True

    def visible_fields(self) -> list[str]:
        g = self.granted()
        return [f for f in FIELD_ORDER if FIELD_PURPOSE[f] in g]

    @property
    def minor_declared(self) -> bool:
        """The answer "yes, under 14" (kept for callers that set a single box)."""
        return self.under_14 is True

    @minor_declared.setter
    def minor_declared(self, value: bool) -> None:
        self.under_14 = bool(value)

    def _birth(self) -> str | None:
        birth = self.values.get("birth_date", "").strip()
        try:
            return V.birth_date(birth, self.today) if birth else None
        except ValidationError:
            return None

    def under_14_question_needed(self) -> bool:
        """No valid birth date: the customer must answer whether they are under 14 (CON-4; the birth date may
        be declined, the question may not)."""
        return self._birth() is None

    def is_minor(self) -> bool:
        return self.under_14 is True or V.is_under_14(self._birth(), self.today)

    def minor_known(self) -> bool | None:
        """What register_member gets as `minor`: the answer when there is one, else None (the birth date says)."""
        return True if self.is_minor() else self.under_14

    def submitted_values(self) -> dict[str, str]:
        vis = set(self.visible_fields())
        return {f: v for f, v in self.values.items() if f in vis and str(v).strip()}

    # -- input ---------------------------------------------------------------------
    def acknowledge_notice(self) -> None:
        self.notice_read = True

    def decide(self, code: str, granted: bool) -> None:
        if code not in self.decisions:
            raise UserError("consent.unknown_purpose", purpose=code)
        self.decisions[code] = bool(granted)
        if not granted:
            self.signatures.pop(code, None)
            self.signed_on_paper.discard(code)

    def sign(self, code: str, png: bytes) -> None:
        self.signatures[code] = bytes(png)

    def clear_signature(self, code: str) -> None:
        self.signatures.pop(code, None)

    def set_value(self, field: str, text: str) -> UserError | None:
        """Store the text and validate it at once; returns the error to show next to the field."""
        self.values[field] = text or ""
        self.errors.pop(field, None)
        err = self._check(field)
        if err:
            self.errors[field] = err
        return err

    def set_under_14(self, answer: bool | None) -> None:
        self.under_14 = None if answer is None else bool(answer)
        self.errors.pop("under_14", None)

    def set_guardian(self, name: str, relation: str, confirmed: bool) -> None:
        self.guardian = {"name": name or "", "relation": relation or ""}
        self.guardian_confirmed = bool(confirmed)

    def confirm_guardian_sensitive(self, code: str, confirmed: bool) -> None:
        """The guardian's own separate consent to a sensitive purpose of a minor (PIPL Art. 28, 31)."""
        if confirmed:
            self.guardian_sensitive.add(code)
        else:
            self.guardian_sensitive.discard(code)

    def guardian_payload(self) -> dict | None:
        """The guardian as app.flows.enrolment takes it (None when the customer is not a minor)."""
        if not self.is_minor():
            return None
        return {
            "name": self.guardian.get("name", ""),
            "relation": self.guardian.get("relation", ""),
            "consent": self.guardian_confirmed,
            "sensitive": sorted(self.guardian_sensitive & set(self.sensitive_pending())),
        }

    def _guardian_errors(self) -> None:
        """CON-4 on the FIELDS step: the guardian's name, relation, consent and, per granted sensitive purpose,
        separate consent. Errors land in self.errors by field."""
        if not self.is_minor():
            return
        try:
            if not str(self.guardian.get("name") or "").strip():
                raise ValidationError("member.guardian_required", field="guardian_name")
            V.name(self.guardian.get("name"), field="guardian_name")
            V.guardian_relation(self.guardian.get("relation"))
            if not self.guardian_confirmed:
                raise ValidationError("member.guardian_required", field="guardian_confirmed")
            for code in self.sensitive_pending():
                if code not in self.guardian_sensitive:
                    p = self.notice.purpose(code)
                    raise ValidationError(
                        "consent.guardian_sensitive_required",
                        field=f"guardian_sensitive_{code}",
                        purpose=p.title if p else code,
                    )
        except ValidationError as exc:
            self.errors[exc.field or "guardian_name"] = exc

    def _check(self, field: str) -> UserError | None:
        raw = self.values.get(field, "")
        try:
            if field in ("name", "mobile"):
                V.VALIDATORS[field](raw)
            elif not str(raw).strip():
                return None
            elif field == "birth_date":
                V.birth_date(raw, self.today)
            elif field == "id_number":
                birth = None
                try:
                    birth = V.birth_date(self.values.get("birth_date", ""), self.today)
                except ValidationError:
                    pass
                V.id_number(raw, birth, self.today)
            elif field in V.VALIDATORS:
                V.VALIDATORS[field](raw)
        except ValidationError as exc:
            return exc
        return None

    # -- navigation ----------------------------------------------------------------
    def next(self) -> Step:
        """Validate the current step and advance. Raises UserError (with .field) when it cannot."""
        if self.step is Step.FORM:
            if self.form is None:
                raise ValidationError("member.form_needed", field="serial")
            self.step = Step.CONSENT
        elif self.step is Step.NOTICE:
            self.acknowledge_notice()
            self.step = Step.CONSENT
        elif self.step is Step.CONSENT:
            if not self.can_confirm_consent():
                raise UserError("consent.required_missing")
            self.sensitive_index = 0
            if self.paper:
                for code in self.sensitive_pending():
                    if code not in self.signed_on_paper:
                        raise ValidationError(
                            "member.paper_sensitive_unsigned",
                            field=f"paper_sensitive_{code}",
                            purpose=self._title(code),
                        )
                self.step = Step.FIELDS
            else:
                self.step = Step.SENSITIVE if self.sensitive_pending() else Step.FIELDS
        elif self.step is Step.SENSITIVE:
            current = self.current_sensitive()
            if current and not self.signatures.get(current):
                raise UserError("consent.sensitive_needs_signature", purpose=self._title(current))
            self.sensitive_index += 1
            if self.current_sensitive() is None:
                self.step = Step.FIELDS
        elif self.step is Step.FIELDS:
            self._validate_fields()
            existing = find_by_mobile(self.session.db, V.mobile(self.values.get("mobile")))
            if existing:
                self.existing_member_id = existing
                self.step = Step.EXISTING
                return self.step
            self.step = Step.REVIEW
        elif self.step is Step.REVIEW:
            raise UserError("error.generic")  # use submit()
        return self.step

    def decline_sensitive(self) -> Step:
        """The customer refuses the sensitive purpose on its own screen: recorded as refused."""
        code = self.current_sensitive()
        if code:
            self.decide(code, False)  # it drops out of sensitive_pending(); index now points at the next one
        if self.current_sensitive() is None:
            self.step = Step.FIELDS
        return self.step

    def back(self) -> Step:
        if self.step is Step.CONSENT:
            self.step = Step.FORM if self.paper else Step.NOTICE
        elif self.step is Step.SENSITIVE:
            if self.sensitive_index > 0:
                self.sensitive_index -= 1
            else:
                self.step = Step.CONSENT
        elif self.step is Step.FIELDS:
            pend = [] if self.paper else self.sensitive_pending()
            if pend:
                self.sensitive_index = len(pend) - 1
                self.step = Step.SENSITIVE
            else:
                self.step = Step.CONSENT
        elif self.step in (Step.REVIEW, Step.EXISTING):
            self.step = Step.FIELDS
        return self.step

    def _validate_fields(self) -> None:
        self.errors = {}
        for f in self.visible_fields():
            err = self._check(f)
            if err:
                self.errors[f] = err
        if self.under_14_question_needed() and self.under_14 is None:
            self.errors["under_14"] = ValidationError("consent.minor_unknown", field="under_14")  # CON-4
        self._guardian_errors()
        if self.errors:
            order = (*FIELD_ORDER, "under_14", "guardian_name", "guardian_relation", "guardian_confirmed")
            first = next((f for f in order if f in self.errors), next(iter(self.errors)))
            raise self.errors[first]

    def submit(self, cipher: FieldCipher) -> dict[str, Any]:
        """REVIEW -> DONE: one transaction. A mobile registered meanwhile -> EXISTING."""
        if self.step is not Step.REVIEW:
            raise UserError("error.generic")
        if self.paper and not self.paper_signed:
            raise ValidationError("member.paper_unsigned", field="paper_signed")
        decisions = {c: bool(g) for c, g in self.decisions.items()}  # undecided = refused, recorded as such
        paper = self.paper and self.form is not None
        try:
            self.result = register_member(
                self.session,
                cipher,
                notice=self.notice,
                decisions=decisions,
                values=self.submitted_values(),
                method="paper" if paper else "signature" if self.signatures else self.method,
                guardian=self.guardian_payload(),
                signatures={} if paper else {c: s for c, s in self.signatures.items() if c in self.sensitive_pending()},
                minor=self.minor_known(),
                evidence_ref=self.form.serial if paper and self.form else None,
                signed_on_paper=self.signed_on_paper & set(self.sensitive_pending()) if paper else (),
            )
        except MobileExists as exc:
            self.existing_member_id = exc.member_id
            self.step = Step.EXISTING
            raise
        self.step = Step.DONE
        return self.result

    def review(self) -> dict:
        """What the review screen shows: decisions per purpose and the fields that will be stored."""
        return {
            "notice_version": self.notice.version,
            "notice_hash": self.notice.content_hash,
            "granted": [p.code for p in self.notice.purposes if self.decisions.get(p.code)],
            "refused": [p.code for p in self.notice.purposes if not self.decisions.get(p.code)],
            "fields": [f for f in FIELD_ORDER if f in self.submitted_values()],
            "minor": self.is_minor(),
            "signatures": [] if self.paper else sorted(self.signatures),
            "form": self.form.serial if self.paper and self.form else None,
            "signed_on_paper": sorted(self.signed_on_paper & set(self.sensitive_pending())) if self.paper else [],
        }

    def clear(self) -> None:
        """Wipe everything typed (lock, cancel)."""
        self.values.clear()
        self.signatures.clear()
        self.signed_on_paper.clear()
        self.paper_signed = False
        self.guardian = {"name": "", "relation": ""}
        self.errors.clear()


__all__ = ["OPTIONAL_FIELDS", "ReconsentFlow", "RegistrationFlow", "Step"]


class ReconsentFlow(RegistrationFlow):
    """An existing member decides again on the current notice (CON-5) or adds optional purposes:
    the same steps, but the fields step offers only the optional fields of granted purposes.

    On paper (a customer who prefers the signed form, CON-1): the same FORM -> CONSENT -> FIELDS -> REVIEW
    as a paper registration, with the same refusals of the serial, plus one: the form must carry the
    notice in effect today (app.members.paper_form.require_current_notice). Re-consent is always to the
    current version (that is what needs_reconsent compares with, and the record clears the flag), so an
    older printed form cannot serve; a blank form of the current version can be printed from the form step."""

    paper_allowed = True

    def __init__(self, session: Session, member_id: str, **kw: Any) -> None:
        super().__init__(session, **kw)
        self.member_id = member_id

    def visible_fields(self) -> list[str]:
        g = self.granted()
        return [f for f in OPTIONAL_FIELDS if FIELD_PURPOSE[f] in g]

    def set_form(self, text: str) -> PaperForm:
        """As in a registration, and the form must carry today's notice (raises ValidationError(field="serial"))."""
        require_current_notice(
            self.session.db, find_paper_form(self.session.db, self.session.store_code, text, self.today), self.today
        )
        return super().set_form(text)

    def is_minor(self) -> bool:
        """The member is under 14 today (birth date, else the answer given at registration): the guardian
        consents to the re-consent too (CON-4)."""
        return minor_now(self.session.db, self.member_id, self.today)

    def next(self) -> Step:
        if self.step is Step.FIELDS:
            self.errors = {}
            for f in self.visible_fields():
                err = self._check(f)
                if err:
                    self.errors[f] = err
            self._guardian_errors()
            if self.errors:
                raise next(iter(self.errors.values()))
            self.step = Step.REVIEW
            return self.step
        return super().next()

    def submit(self, cipher: FieldCipher | None) -> dict[str, Any]:
        if self.step is not Step.REVIEW:
            raise UserError("error.generic")
        if self.paper and not self.paper_signed:
            raise ValidationError("member.paper_unsigned", field="paper_signed")
        paper = self.paper and self.form is not None
        rid = grant_consent(
            self.session,
            self.member_id,
            {c: bool(g) for c, g in self.decisions.items()},
            notice=self.notice,
            values=self.submitted_values(),
            method="paper" if paper else "signature" if self.signatures else self.method,
            signatures={} if paper else {c: s for c, s in self.signatures.items() if c in self.sensitive_pending()},
            cipher=cipher,
            kind="reconsent",
            guardian=self.guardian_payload(),
            evidence_ref=self.form.serial if paper and self.form else None,
            signed_on_paper=self.signed_on_paper & set(self.sensitive_pending()) if paper else (),
        )
        self.result = {"id": self.member_id, "record": rid}
        self.step = Step.DONE
        return self.result
