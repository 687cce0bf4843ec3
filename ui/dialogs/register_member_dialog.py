"""登记会员： the register wizard. It renders app.flows.registration.RegistrationFlow step by step
(notice -> consent per purpose -> separate consent with signature per sensitive purpose -> fields of
granted purposes -> review) and mirrors the customer-facing steps on the second screen when present.
The first step offers the paper mode ("顾客填写纸质登记表"; ui/dialogs/register_paper.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.flows.registration import FIELD_ORDER, ReconsentFlow, RegistrationFlow, Step
from app.members.fields import mask
from app.members.queries import masked_summary
from app.members.service import MobileExists, cipher_for
from app.settings import get_setting
from ui import style
from ui.dialogs.register_paper import PaperRegistration
from ui.widgets.customer_screen import CustomerScreen, customer_screen_target
from ui.widgets.date_field import attach_date_picker
from ui.widgets.notice_view import ConsentPanel, NoticeView, SensitiveConsentView, colon, join as join_items


class RegisterMemberDialog(QDialog):
    member_registered = Signal(str)
    open_existing = Signal(str)

    def __init__(self, ctx, parent=None, customer_screen=None, flow=None):
        super().__init__(parent)
        self.ctx = ctx
        self.reconsent = isinstance(flow, ReconsentFlow)
        self.setWindowTitle(self.tr("重新确认同意") if self.reconsent else self.tr("登记会员"))
        style.fit_to_screen(self, 900, 720)  # no fixed size: 1366×768 to 1920×1080
        self.flow = flow or RegistrationFlow(ctx.session, lang=ctx.lang)
        notice = self.flow.notice
        self.labels = {
            "name": self.tr("姓名"),
            "mobile": self.tr("手机号"),
            "birth_date": self.tr("出生日期"),
            "address": self.tr("收货地址"),
            "id_number": self.tr("身份证号"),
            "face_feature": self.tr("人脸特征码"),
            "skin_notes": self.tr("皮肤状况"),
        }
        lay = QVBoxLayout(self)
        self.paper = PaperRegistration(self)
        lay.addWidget(self.paper.mode_bar)
        self.step_label = QLabel()
        style.role(self.step_label, "heading")
        lay.addWidget(self.step_label)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        style.role(self.hint, "hint")
        lay.addWidget(self.hint)
        self.stack = QStackedWidget()
        self.notice_view = NoticeView(notice)
        self.consent = ConsentPanel(notice)
        self.sensitive = SensitiveConsentView()
        self.fields_page = self._build_fields()
        self.review = QLabel()
        self.review.setWordWrap(True)
        self.review.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.review.setTextFormat(Qt.TextFormat.RichText)
        style.role(self.review, "")
        # the fields scroll up and down on a short screen (1366×768 at 125 %: the dialog has ~550 px)
        self.fields_scroll = QScrollArea()
        self.fields_scroll.setWidgetResizable(True)
        self.fields_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.fields_scroll.setWidget(self.fields_page)
        for w in (
            self.notice_view,
            self.consent,
            self.sensitive,
            self.fields_scroll,
            self.review,
            self.paper.form_step,
        ):
            self.stack.addWidget(w)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.paper.signed)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        style.role(self.error, "error")
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.cancel_btn = QPushButton(self.tr("取消"))
        self.back_btn = QPushButton(self.tr("上一步"))
        self.next_btn = QPushButton(self.tr("下一步"))
        for b in (self.cancel_btn, self.back_btn, self.next_btn):
            b.setAutoDefault(False)
        self.next_btn.setDefault(True)
        row.addWidget(self.cancel_btn)
        row.addStretch(1)
        row.addWidget(self.back_btn)
        row.addWidget(self.next_btn)
        lay.addLayout(row)
        self.cancel_btn.clicked.connect(self.reject)
        self.back_btn.clicked.connect(self.on_back)
        self.next_btn.clicked.connect(self.on_next)
        self.consent.decided.connect(self.on_decided)
        self.sensitive.signed.connect(self.on_signed)
        self.sensitive.declined.connect(self.on_declined)

        self.customer = None
        target = None if isinstance(customer_screen, str) or customer_screen is None else customer_screen
        if customer_screen is None or customer_screen == "auto":
            setting = get_setting(ctx.session.db, "customer_screen", "auto") if ctx.session else "auto"
            target = customer_screen_target(str(setting))
        if target is not None:
            self.customer = CustomerScreen(notice)
            self.customer.decided.connect(self.on_decided)
            self.customer.signed.connect(self.on_signed)
            self.customer.declined.connect(self.on_declined)
            self.customer.advance.connect(self.on_next)
            self.customer.go_back.connect(self.on_back)
            self.customer.place(target)
            self.consent.set_read_only(True)  # the customer ticks on their own screen
        self.render()

    # -- the fields step -------------------------------------------------------------
    def _build_fields(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.edits: dict[str, QLineEdit] = {}
        self.field_errors: dict[str, QLabel] = {}
        self.rows: dict[str, tuple] = {}
        placeholders = {
            "mobile": self.tr("11 位手机号"),
            "birth_date": self.tr("可不填，例如 2010-05-31 或 2010/5/31"),
            "address": self.tr("省市区及详细地址"),
            "id_number": self.tr("18 位身份证号"),
            "face_feature": self.tr("由人脸支付终端生成，不保存照片"),
            "skin_notes": self.tr("例如：混合性皮肤，轻度敏感"),
        }
        for f in FIELD_ORDER:
            edit = QLineEdit()
            edit.setObjectName(f"field_{f}")
            edit.setPlaceholderText(placeholders.get(f, ""))
            if f == "face_feature":
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            if f == "birth_date":  # typed in the usual Chinese forms, or picked (F4)
                self.birth_picker = attach_date_picker(edit, latest=self.flow.today)
            edit.textEdited.connect(lambda text, k=f: self._edited(k, text))
            edit.returnPressed.connect(self._enter_pressed)
            err = QLabel()
            style.role(err, "error")
            err.setWordWrap(True)
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(edit)
            box.addWidget(err)
            holder = QWidget()
            holder.setLayout(box)
            box.setContentsMargins(0, 0, 0, 0)
            label = QLabel(self.labels[f])
            form.addRow(label, holder)
            self.edits[f], self.field_errors[f] = edit, err
            self.rows[f] = (label, holder)
        # CON-4: without a birth date the question must be answered (the customer may decline the birth date)
        self.minor = QWidget()
        self.minor.setObjectName("under_14")
        row = QHBoxLayout(self.minor)
        row.setContentsMargins(0, 0, 0, 0)
        self.minor_yes = QRadioButton(self.tr("是，未满14周岁"))
        self.minor_no = QRadioButton(self.tr("否，已满14周岁"))
        self.minor_group = QButtonGroup(self)
        self.minor_group.setExclusive(False)  # nothing chosen until the customer answers
        for b in (self.minor_yes, self.minor_no):
            self.minor_group.addButton(b)
            row.addWidget(b)
        row.addStretch(1)
        self.minor_yes.toggled.connect(lambda on: self._minor_answered(True, on))
        self.minor_no.toggled.connect(lambda on: self._minor_answered(False, on))
        self.minor_label = QLabel(self.tr("顾客是否未满14周岁"))
        self.minor_err = QLabel()
        self.minor_err.setStyleSheet("color: #cf222e")
        form.addRow(self.minor_label, self.minor)
        form.addRow("", self.minor_err)
        self.guardian_name = QLineEdit()
        self.guardian_name.setObjectName("guardian_name")
        self.guardian_rel = QComboBox()
        self.guardian_rel.addItem(self.tr("请选择"), "")
        for code, text in (
            ("father", self.tr("父亲")),
            ("mother", self.tr("母亲")),
            ("other_guardian", self.tr("其他监护人")),
        ):
            self.guardian_rel.addItem(text, code)
        self.guardian_ok = QCheckBox(self.tr("监护人已阅读告知书，并代为作出上述同意"))
        self.guardian_sensitive: dict[str, QCheckBox] = {}
        self.guardian_sensitive_box = QWidget()
        QVBoxLayout(self.guardian_sensitive_box).setContentsMargins(0, 0, 0, 0)
        self.guardian_err = QLabel()
        style.role(self.guardian_err, "error")
        self.guardian_rows = [QLabel(self.tr("监护人姓名")), QLabel(self.tr("与顾客关系")), QLabel("")]
        form.addRow(self.guardian_rows[0], self.guardian_name)
        form.addRow(self.guardian_rows[1], self.guardian_rel)
        form.addRow(self.guardian_rows[2], self.guardian_ok)
        form.addRow("", self.guardian_sensitive_box)
        form.addRow("", self.guardian_err)
        self.guardian_name.textEdited.connect(self._guardian_changed)
        self.guardian_rel.currentIndexChanged.connect(self._guardian_changed)
        self.guardian_ok.toggled.connect(self._guardian_changed)
        self.guardian_name.returnPressed.connect(self._enter_pressed)
        self.form = form
        return page

    def _edited(self, field: str, text: str) -> None:
        err = self.flow.set_value(field, text)
        # show the message only once the value looks complete, so typing is not nagged
        self.field_errors[field].setText("")
        if err and field not in ("name", "mobile"):
            self.ctx.show_error(self, err, self.field_errors[field])
        self._sync_guardian()

    def _minor_answered(self, answer: bool, on: bool) -> None:
        if on:  # a yes/no pair: choosing one clears the other
            other = self.minor_no if answer else self.minor_yes
            other.blockSignals(True)
            other.setChecked(False)
            other.blockSignals(False)
            self.flow.set_under_14(answer)
        elif not (self.minor_yes.isChecked() or self.minor_no.isChecked()):
            self.flow.set_under_14(None)
        self.minor_err.clear()
        self._sync_guardian()

    def _guardian_sensitive_changed(self, *_) -> None:
        self.guardian_err.clear()
        for code, box in self.guardian_sensitive.items():
            self.flow.confirm_guardian_sensitive(code, box.isChecked())

    def _guardian_changed(self, *_):
        self.guardian_err.clear()
        self.flow.set_guardian(self.guardian_name.text(), self.guardian_rel.currentData(), self.guardian_ok.isChecked())

    def _sync_guardian(self) -> None:
        ask = not self.reconsent and self.flow.under_14_question_needed()
        if not ask and self.flow.under_14 is not None and not self.reconsent:
            for b in (self.minor_yes, self.minor_no):  # a valid birth date answers the question
                b.blockSignals(True)
                b.setChecked(False)
                b.blockSignals(False)
            self.flow.set_under_14(None)
        for w in (self.minor, self.minor_label, self.minor_err):
            w.setVisible(ask)
        show = self.flow.is_minor()
        for w in (self.guardian_name, self.guardian_rel, self.guardian_ok, *self.guardian_rows):
            w.setVisible(show)
        self.guardian_err.setVisible(show)
        # the guardian's own separate consent per granted sensitive purpose (PIPL Art. 28, 31)
        codes = self.flow.sensitive_pending() if show else []
        if list(self.guardian_sensitive) != codes:
            layout = self.guardian_sensitive_box.layout()
            for box in self.guardian_sensitive.values():
                layout.removeWidget(box)
                box.deleteLater()
            self.guardian_sensitive = {}
            for code in codes:
                p = self.flow.notice.purpose(code)
                box = QCheckBox(self.tr("监护人已单独同意“%s”") % (p.title if p else code))
                box.setObjectName(f"guardian_sensitive_{code}")
                box.setChecked(code in self.flow.guardian_sensitive)
                box.toggled.connect(self._guardian_sensitive_changed)
                layout.addWidget(box)
                self.guardian_sensitive[code] = box
        self.guardian_sensitive_box.setVisible(bool(codes))

    def _enter_pressed(self) -> None:
        visible = [self.edits[f] for f in self.flow.visible_fields()]
        if self.flow.is_minor():
            visible.append(self.guardian_name)
        w = self.focusWidget()
        if w in visible and visible.index(w) < len(visible) - 1:
            visible[visible.index(w) + 1].setFocus()
        else:
            self.on_next()

    # -- events -------------------------------------------------------------------
    def on_decided(self, code: str, on: bool) -> None:
        self.flow.decide(code, on)
        self.render()

    def on_signed(self, png: bytes) -> None:
        code = self.flow.current_sensitive()
        if code:
            if png:
                self.flow.sign(code, png)
            else:
                self.flow.clear_signature(code)
        self.render()

    def on_declined(self) -> None:
        self.flow.decline_sensitive()
        self.render()

    def on_back(self) -> None:
        self.error.clear()
        self.flow.back()
        self.render()

    def on_next(self) -> None:
        self.error.clear()
        if self.flow.step is Step.EXISTING:
            self._open_existing()
            return
        if self.flow.step is Step.FORM:
            self.paper.enter_form()
            self.render()
            return
        try:
            if self.flow.step is Step.REVIEW:
                res = self.flow.submit(cipher_for(self.ctx.vault))
                self.render()
                self.member_registered.emit(res["id"])
                self.accept()
                return
            self.flow.next()
        except MobileExists:
            self.render()
            return
        except UserError as exc:
            self._show_error(exc)
        self.render()

    def _show_error(self, exc: UserError) -> None:
        field = getattr(exc, "field", None)
        if field == "paper_signed":
            self.paper.signed.setFocus()
        if field in self.field_errors:
            self.ctx.show_error(self, exc, self.field_errors[field])
            self.edits[field].setFocus()
        elif field == "under_14":
            self.ctx.show_error(self, exc, self.minor_err)
            self.minor_yes.setFocus()
        elif field and field.startswith("guardian"):
            self.ctx.show_error(self, exc, self.guardian_err)
        else:
            self.ctx.show_error(self, exc, self.error)

    # -- rendering ----------------------------------------------------------------
    def render(self) -> None:
        f = self.flow
        step = f.step
        self.paper.render_mode(step, self.reconsent)
        self.back_btn.setEnabled(step not in (Step.NOTICE, Step.FORM, Step.DONE))
        if f.paper:
            self.paper.render(step)
            if self.customer is not None:
                self.customer.render(f)  # idle: the customer fills in the paper form
            return
        self.next_btn.setText(
            (self.tr("确认") if self.reconsent else self.tr("确认登记")) if step is Step.REVIEW else self.tr("下一步")
        )
        hint_customer = (
            self.tr("顾客正在客显屏上操作。") if self.customer else self.tr("请将屏幕转向顾客，由顾客本人阅读和选择。")
        )
        if step is Step.NOTICE:
            self.step_label.setText(self.tr("第 1 步：告知书"))
            self.hint.setText(hint_customer)
            self.stack.setCurrentWidget(self.notice_view)
            self.next_btn.setEnabled(True)
        elif step is Step.CONSENT:
            self.step_label.setText(self.tr("第 2 步：逐项同意"))
            self.hint.setText(hint_customer + self.tr(" 只有“办理会员”一项是必需的。"))
            self.consent.set_decisions(f.decisions)
            self.stack.setCurrentWidget(self.consent)
            self.next_btn.setEnabled(f.can_confirm_consent())  # CON-2
        elif step is Step.SENSITIVE:
            code = f.current_sensitive()
            p = f.notice.purpose(code)
            self.step_label.setText(self.tr("第 3 步：敏感个人信息单独同意"))
            self.hint.setText(hint_customer)
            if getattr(self.sensitive, "purpose", None) is not p:
                self.sensitive.show_purpose(p, f.notice.lang)
            self.stack.setCurrentWidget(self.sensitive)
            self.next_btn.setEnabled(bool(f.signatures.get(code)))
        elif step is Step.FIELDS:
            self.render_fields()
            self.guardian_ok.setText(self.tr("监护人已阅读告知书，并代为作出上述同意"))
            self.step_label.setText(self.tr("第 4 步：录入信息"))
            self.hint.setText(self.tr("只录入顾客已同意的处理目的所需的信息。"))
        elif step is Step.REVIEW:
            self.step_label.setText(self.tr("第 5 步：核对并确认"))
            self.hint.setText(self.tr("请与顾客核对。确认后一次性保存会员和同意记录。"))
            self.review.setText(self.review_html())
            self.stack.setCurrentWidget(self.review)
            self.next_btn.setEnabled(True)
        elif step is Step.EXISTING:
            self.render_existing()
        # On the fields step Enter moves from field to field (returnPressed); elsewhere it confirms.
        self.next_btn.setDefault(step is not Step.FIELDS)
        if self.customer is not None:
            self.customer.render(f)

    def render_fields(self) -> None:
        vis = set(self.flow.visible_fields())
        for k, (label, holder) in self.rows.items():
            label.setVisible(k in vis)
            holder.setVisible(k in vis)
        self._sync_guardian()
        self.stack.setCurrentWidget(self.fields_scroll)
        self.next_btn.setEnabled(True)
        first = next((self.edits[k] for k in FIELD_ORDER if k in vis and not self.edits[k].text()), None)
        (first or self.next_btn).setFocus()

    def render_existing(self) -> None:
        self.step_label.setText(self.tr("该手机号已是会员"))
        self.hint.setText(self.tr("不会重复登记。请返回修改手机号，或打开已有会员。"))
        self.error.setText(self.tr("该手机号已是会员。"))
        row = masked_summary(self.ctx.session, self.flow.existing_member_id)
        self.review.setText(
            ""
            if row is None
            else f"<table cellpadding='4'><tr><td>{self.tr('会员号')}</td><td>{row['member_no']}</td></tr>"
            f"<tr><td>{self.tr('姓名')}</td><td>{row['name']}</td></tr>"
            f"<tr><td>{self.tr('手机号')}</td><td>{row['mobile']}</td></tr></table>"
        )
        self.stack.setCurrentWidget(self.review)
        self.next_btn.setText(self.tr("打开该会员"))
        self.next_btn.setEnabled(True)

    def _open_existing(self) -> None:
        self.open_existing.emit(self.flow.existing_member_id)
        self.accept()

    def review_html(self) -> str:
        f = self.flow
        r = f.review()
        titles = {p.code: p.title for p in f.display_notice(self.ctx.lang).purposes}
        vals = f.submitted_values()
        shown = []
        for k in r["fields"]:
            v = vals[k] if k in ("name", "birth_date", "address") else mask(k, vals[k])
            shown.append(f"<tr><td>{self.labels[k]}</td><td>{v}</td></tr>")
        lang, c = self.ctx.lang, colon(self.ctx.lang)
        granted = join_items((titles[k] for k in r["granted"]), lang)
        refused = join_items((titles[k] for k in r["refused"]), lang) or self.tr("无")
        signed = join_items((titles[k] for k in r["signatures"]), lang)
        po, pc = (" (", ")") if lang.startswith("en") else ("（", "）")
        return (
            f"<p>{self.tr('告知书版本')} {r['notice_version']}{po}{self.tr('校验码')} {r['notice_hash'][:12]}{pc}</p>"
            f"<p><b>{self.tr('同意')}{c}</b>{granted}</p>"
            f"<p><b>{self.tr('不同意')}{c}</b>{refused}</p>"
            f"<table cellpadding='4'>{''.join(shown)}</table>"
            + (f"<p><b>{self.tr('不满十四周岁，已由监护人同意')}</b></p>" if r["minor"] else "")
            + (f"<p>{self.tr('已签名的单独同意')}{c}{signed}</p>" if r["signatures"] else "")
            + self.paper.review_lines(r, titles, lang, c, join_items)
        )

    # -- closing -----------------------------------------------------------------
    def clear(self) -> None:
        """Wipe every typed value (the app locks, or the dialog closes)."""
        self.flow.clear()
        for e in self.edits.values():
            e.clear()
        self.guardian_name.clear()
        for b in (self.minor_yes, self.minor_no):
            b.blockSignals(True)
            b.setChecked(False)
            b.blockSignals(False)
        self.paper.clear()
        self.sensitive.pad.blockSignals(True)
        self.sensitive.pad.clear()
        self.sensitive.pad.blockSignals(False)

    def done(self, result: int) -> None:
        self.paper.catcher.detach()
        self.clear()
        if self.customer is not None:
            self.customer.close()
            self.customer.deleteLater()
            self.customer = None
        super().done(result)
