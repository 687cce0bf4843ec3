"""The paper mode of the register wizard (顾客填写纸质登记表): the mode choice on the first step, the
form serial (typed, or scanned: "MEMBERDESK-FORM:<serial>" + Enter), the ticks copied from the form
with the separate signature of each sensitive purpose, and the confirmation that the customer signed.
It renders app.flows.registration.RegistrationFlow (or ReconsentFlow: re-consent on a new form printed
with the current notice) in paper mode inside RegisterMemberDialog, whose
step label, hint, stack and buttons it uses; the customer screen stays idle meanwhile. A form's QR scanned
while the wizard is on screen (or focus is away from the serial field) is caught (FormQrCatcher) and
switches to paper mode with that form, keeping what was typed."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QPushButton, QWidget

from app.errors import UserError
from app.flows.registration import Step
from app.members.paper_form import normalise_serial
from ui import style
from ui.widgets.form_qr_catcher import FormQrCatcher
from ui.widgets.paper_form_panel import PaperConsentPanel, PaperFormStep


class PaperRegistration(QObject):
    def __init__(self, dlg):
        super().__init__(dlg)
        self.dlg = dlg
        self.flow = dlg.flow
        self.mode_bar = QWidget()
        row = QHBoxLayout(self.mode_bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QPushButton] = {}
        for mode, text in (("screen", self.tr("顾客在屏幕上阅读并勾选")), ("paper", self.tr("顾客填写纸质登记表"))):
            b = QPushButton(text)
            b.setObjectName(f"mode_{mode}")
            b.setCheckable(True)
            b.setAutoDefault(False)
            b.setMinimumHeight(36)
            style.role(b, "toggle")
            self.mode_group.addButton(b)
            self.mode_buttons[mode] = b
            row.addWidget(b, 1)
            b.clicked.connect(lambda _on=False, m=mode: self.choose_mode(m))
        session = dlg.ctx.session
        example = f"{(session.store_code if session else '') or 'ST01'}-{self.flow.today.strftime('%y%m%d')}-00001"
        self.form_step = PaperFormStep(example)
        self.form_step.print_requested.connect(self.print_blank_form)
        self.consent: PaperConsentPanel | None = None  # built for the notice printed on the form
        self.signed = QCheckBox(self.tr("顾客已在纸质登记表上签字"))
        self.signed.setObjectName("paper_signed")
        self.signed.toggled.connect(self._signed_toggled)
        # the scanner types a form's QR into whatever has focus: on screen, or away from the serial field
        self.catcher = FormQrCatcher(
            dlg,
            active=lambda: not (self.flow.paper and self.flow.step is Step.FORM and self.form_step.serial.hasFocus()),
        )
        self.catcher.scanned.connect(self.form_scanned)
        self.switch_note = ""

    # -- actions ---------------------------------------------------------------------
    def choose_mode(self, mode: str) -> None:
        self.dlg.error.clear()
        try:
            self.flow.choose_mode(mode)
        except UserError as exc:
            self.dlg.ctx.show_error(self.dlg, exc, self.dlg.error)
        self.dlg.render()

    def enter_form(self) -> None:
        """FORM -> CONSENT: the serial as typed or scanned, checked against the forms issued here."""
        try:
            form = self.flow.set_form(self.form_step.serial.text())
        except UserError as exc:
            self.form_step.show_error(self.dlg.ctx.message(exc))
            return
        self.form_step.show_form(form.serial, self.form_info())
        self.flow.next()

    def form_scanned(self, payload: str) -> None:
        """A form's QR read on any step: on to paper mode with that form, keeping what was typed."""
        d, f = self.dlg, self.flow
        d.error.clear()
        was_screen = not f.paper
        try:
            form = f.scanned_form(payload)
        except UserError as exc:
            if f.paper and f.step is Step.FORM:  # switched, but this form cannot be used: say why there
                self.form_step.serial.setText(normalise_serial(payload))
                d.render()
                self.form_step.show_error(d.ctx.message(exc))
            else:
                d.ctx.show_error(d, exc, d.error)
            return
        self.form_step.show_form(form.serial, self.form_info())
        if was_screen:
            self.switch_note = self.tr(
                "已扫描纸质登记表，改为纸质登记：请按表上的勾选照录（屏幕上的勾选不再使用），已录入的信息保留。"
            )
        d.render()

    def form_info(self) -> str:
        f = self.flow
        return (
            self.tr("按登记表上印的告知书登记：版本 %1（校验码 %2）。")
            .replace("%1", f.notice.version)
            .replace("%2", f.notice.content_hash[:12])
        ) + self.outdated_note()

    def outdated_note(self) -> str:
        """The form carries an older notice than today's: said where the clerk copies the ticks."""
        newer = self.flow.form_outdated()
        sep = " " if self.dlg.ctx.lang.startswith("en") else ""
        return (
            sep
            + self.tr("该登记表印的是旧版告知书（%1），现行版本是 %2；顾客下次到店时，需就变更的处理目的重新确认同意。")
            .replace("%1", self.flow.notice.version)
            .replace("%2", newer)
            if newer
            else ""
        )

    def print_blank_form(self) -> None:
        """One blank form for a customer who has none (the print documents page's printing)."""
        from app.notices import current_notice
        from ui.pages.print_documents_page import print_blank_forms

        def printed(serials: list[str]) -> None:  # the form exists on paper now: it is this customer's
            self.form_step.serial.setText(serials[0])
            self.form_step.error.clear()
            self.form_step.serial.setFocus()
            self.form_step.serial.selectAll()

        ctx = self.dlg.ctx
        notice = current_notice(ctx.session.db, "zh_CN", self.flow.today.isoformat())
        print_blank_forms(ctx, self.dlg, notice, 1, title=self.tr("空白会员登记表"), on_printed=printed)

    def _panel(self) -> PaperConsentPanel:
        shown = self.flow.display_notice(self.dlg.ctx.lang)
        # by version and language: display_notice loads the UI language's text anew on every call, and a
        # panel rebuilt at each render would lose the clerk's focus after every tick (English terminals)
        if self.consent is None or (self.consent.notice.version, self.consent.notice.lang) != (
            shown.version,
            shown.lang,
        ):
            if self.consent is not None:
                self.dlg.stack.removeWidget(self.consent)
                self.consent.deleteLater()
            self.consent = PaperConsentPanel(shown)
            self.consent.decided.connect(self.dlg.on_decided)
            self.consent.signature_seen.connect(self._signature_seen)
            self.dlg.stack.addWidget(self.consent)
        return self.consent

    def _signed_toggled(self, seen: bool) -> None:
        self.dlg.error.clear()
        self.flow.confirm_paper_signed(seen)

    def _signature_seen(self, code: str, seen: bool) -> None:
        self.dlg.error.clear()
        self.flow.confirm_paper_signature(code, seen)

    # -- rendering -------------------------------------------------------------------
    def render_mode(self, step: Step, reconsent: bool) -> None:
        self.mode_bar.setVisible(self.flow.paper_allowed and step in (Step.NOTICE, Step.FORM))
        self.mode_buttons["paper" if self.flow.paper else "screen"].setChecked(True)
        self.signed.setVisible(self.flow.paper and step is Step.REVIEW)

    def render(self, step: Step) -> None:
        d, f = self.dlg, self.flow
        if step is not Step.CONSENT:
            self.switch_note = ""  # said once, where the ticks are copied
        d.next_btn.setText(
            (self.tr("确认") if d.reconsent else self.tr("确认登记")) if step is Step.REVIEW else self.tr("下一步")
        )
        d.next_btn.setEnabled(True)
        if step is Step.FORM:
            d.step_label.setText(self.tr("第 1 步：登记表编号"))
            d.hint.setText(
                self.tr(
                    "请顾客在印有现行告知书的新登记表上重新逐项勾选并签名，已登记的姓名、手机号不必重填。"
                    "拿到签好的登记表后，扫描右上角的二维码，或输入二维码下方的编号后按回车键。"
                )
                if d.reconsent
                else self.tr(
                    "请顾客在纸质登记表上逐项勾选、填写并签名。拿到签好的登记表后，扫描右上角的二维码，"
                    "或输入二维码下方的编号后按回车键。"
                )
            )
            d.stack.setCurrentWidget(self.form_step)
            self.form_step.serial.setFocus()
        elif step is Step.CONSENT:
            panel = self._panel()
            d.step_label.setText(self.tr("第 2 步：照录勾选"))
            sep = " " if self.dlg.ctx.lang.startswith("en") else ""
            d.hint.setText(
                self.tr("表单 %1。敏感个人信息各项，还须核对顾客在该项旁的单独签名。").replace(
                    "%1", f.form.serial if f.form else ""
                )
                + self.outdated_note()
                + (sep + self.switch_note if self.switch_note else "")
            )
            panel.set_state(f.decisions, f.signed_on_paper)
            d.stack.setCurrentWidget(panel)
            d.next_btn.setEnabled(f.can_confirm_consent())  # CON-2
            focus = d.focusWidget()
            if (not isinstance(focus, QCheckBox) or not panel.isAncestorOf(focus)) and panel.first_box():
                panel.first_box().setFocus()  # Space ticks, Tab moves on, Enter goes to the next step
        elif step is Step.FIELDS:
            d.render_fields()
            d.step_label.setText(self.tr("第 3 步：录入信息"))
            d.hint.setText(self.tr("按登记表录入。只录入顾客已同意的处理目的所需的信息。"))
            d.guardian_ok.setText(self.tr("监护人已在登记表上签名，并代为作出上述同意"))
        elif step is Step.REVIEW:
            d.step_label.setText(self.tr("第 4 步：核对并确认"))
            d.hint.setText(
                self.tr("请与纸质登记表逐项核对，并确认顾客已在表上签字。确认后保存本次同意记录。")
                if d.reconsent
                else self.tr("请与纸质登记表逐项核对，并确认顾客已在表上签字。确认后一次性保存会员和同意记录。")
            )
            d.review.setText(d.review_html())
            d.stack.setCurrentWidget(d.review)
            self.signed.setChecked(f.paper_signed)
            self.signed.setFocus()
        elif step is Step.EXISTING:
            d.render_existing()
        d.next_btn.setDefault(step is not Step.FIELDS)

    def review_lines(self, review: dict, titles: dict, lang: str, colon: str, join) -> str:
        out = ""
        if review["signed_on_paper"]:
            out += (
                f"<p>{self.tr('登记表上单独签名的项目')}{colon}"
                f"{join((titles[k] for k in review['signed_on_paper']), lang)}</p>"
            )
        if review["form"]:
            out += f"<p>{self.tr('登记表编号')} {review['form']}</p>"
        return out

    def clear(self) -> None:
        self.form_step.clear()
        self.signed.setChecked(False)
