"""The paper mode of the registration flow (signed registration form, CON-1): the mode choice on the
first step, the form serial (typed or scanned), a form's QR scanned on any step, the paper signatures
(SEN-1), the notice version printed on the form (NOT-2). Mixed into app.flows.registration.RegistrationFlow,
whose state (method, step, notice, decisions, form, ...) it uses."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from app.errors import UserError, ValidationError
from app.flows.steps import Step
from app.members.paper_form import PaperForm, find_paper_form, normalise_serial
from app.notices import Notice, current_notice, get_notice

if TYPE_CHECKING:
    from app.staff.session import Session


class PaperMode:
    # The state of the flow this is mixed into (RegistrationFlow sets all of it in __init__).
    session: Session
    method: str
    step: Step
    notice: Notice
    screen_notice: Notice
    decisions: dict[str, bool | None]
    signatures: dict[str, bytes]
    signed_on_paper: set[str]
    paper_signed: bool
    sensitive_index: int
    form: PaperForm | None
    paper_allowed: bool

    if TYPE_CHECKING:

        @property
        def today(self) -> dt.date: ...

    @property
    def paper(self) -> bool:
        return self.method == "paper"

    def choose_mode(self, mode: str) -> Step:
        """On the first step: the customer reads and ticks on screen, or fills in a paper form."""
        if self.step not in (Step.NOTICE, Step.FORM) or mode not in ("screen", "paper"):
            raise UserError("error.generic")
        if mode != self.method:
            self.method = mode
            self.form = None
            self._use_notice(self.screen_notice)
        self.step = Step.FORM if mode == "paper" else Step.NOTICE
        return self.step

    def _use_notice(self, notice: Notice) -> None:
        """Switching notice (or mode) starts the decisions afresh: nothing pre-ticked."""
        self.notice = notice
        self.decisions = {p.code: None for p in notice.purposes}
        self.signatures.clear()
        self.signed_on_paper.clear()
        self.paper_signed = False
        self.sensitive_index = 0

    def set_form(self, text: str) -> PaperForm:
        """The serial typed or scanned; raises ValidationError(field="serial") with the reason."""
        form = find_paper_form(self.session.db, self.session.store_code, text, self.today)
        if self.form is None or form.serial != self.form.serial:
            self._use_notice(form.notice)  # the version printed on that form, not necessarily today's
        self.form = form
        return form

    def scanned_form(self, text: str) -> PaperForm:
        """A form's QR read on any step (the scanner types into whatever has focus): paper mode with that
        form, on to copying its ticks. What was typed (fields, guardian) is kept; the ticks start afresh
        from the paper. The form being entered, scanned again, changes nothing; another one is refused."""
        if self.step is Step.DONE or not self.paper_allowed:
            raise UserError("member.form_not_here")
        serial = normalise_serial(text)
        if self.paper and self.form is not None and self.step is not Step.FORM:
            if serial != self.form.serial:
                raise ValidationError(
                    "member.form_other_in_progress", field="serial", serial=serial, current=self.form.serial
                )
            return self.form
        if not self.paper:
            self.method, self.form = "paper", None
            self._use_notice(self.screen_notice)
        self.step = Step.FORM
        form = self.set_form(serial)  # refused: the form step shows why
        self.step = Step.CONSENT
        return form

    def confirm_paper_signature(self, code: str, seen: bool) -> None:
        """The customer's separate signature beside this sensitive purpose is on the form (SEN-1)."""
        if seen and self.decisions.get(code):
            self.signed_on_paper.add(code)
        else:
            self.signed_on_paper.discard(code)

    def confirm_paper_signed(self, seen: bool) -> None:
        self.paper_signed = bool(seen)

    def form_outdated(self) -> str | None:
        """The version in effect today when the form carries an older one (the member will be asked
        to consent again to what changed), else None."""
        if not self.form:
            return None
        current = current_notice(self.session.db, self.notice.lang, self.today.isoformat())
        return current.version if current.version != self.notice.version else None

    def display_notice(self, lang: str) -> Notice:
        """The notice whose titles the clerk's screen shows: the form's version in the UI language when
        it is stored with the same purposes (the record always names the printed one)."""
        if not self.paper or lang == self.notice.lang:
            return self.notice
        try:
            other = get_notice(self.session.db, self.notice.version, lang)
        except UserError:
            return self.notice
        return other if other.codes == self.notice.codes else self.notice
