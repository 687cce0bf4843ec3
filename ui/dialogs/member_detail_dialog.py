"""会员详情： masked profile, consent per purpose with 撤回同意， consent history with notice versions,
更正 (correct and supplement), and 查看完整信息 for a manager with a reason (every reveal audited).
Opening it is an audited view of the member's record (app.members.service.get_member)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.consent.queries import withdrawable_purposes
from app.consent.service import consent_history, withdraw_consent
from app.errors import UserError
from app.members.fields import FIELD_PURPOSE, REVEALABLE
from app.members.service import REVEAL_REASONS, cipher_for, get_member, reveal_field, update_member
from app.notices import current_notice
from ui import messagebox, style
from ui.widgets.dialog_parts import error_label, ok_cancel
from ui.widgets.member_activity import add_member_activity_tabs
from ui.widgets.notice_view import join


def _table(headers) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class MemberDetailDialog(QDialog):
    def __init__(self, ctx, member_id: str, parent=None):
        super().__init__(parent)
        self.ctx, self.member_id = ctx, member_id
        self.setWindowTitle(self.tr("会员详情"))
        style.fit_to_screen(self, 1000, 660)  # no fixed size: 1366×768 to 1920×1080
        self.labels = {
            "name": self.tr("姓名"),
            "mobile": self.tr("手机号"),
            "birth_date": self.tr("出生日期"),
            "address": self.tr("收货地址"),
            "id_number": self.tr("身份证号"),
            "face_feature": self.tr("人脸特征码"),
            "skin_notes": self.tr("皮肤状况"),
        }
        self.notice = current_notice(ctx.session.db, ctx.lang)
        lay = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        style.role(self.banner, "banner")
        lay.addWidget(self.banner)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)
        # profile
        prof = QWidget()
        pl = QVBoxLayout(prof)
        self.form = QFormLayout()
        pl.addLayout(self.form)
        pl.addStretch(1)
        self.tabs.addTab(prof, self.tr("基本信息"))
        # consent
        cons = QWidget()
        cl = QVBoxLayout(cons)
        self.consents = _table([self.tr("处理目的"), self.tr("状态"), self.tr("操作")])
        style.setup_table(self.consents, stretch=0)
        cl.addWidget(self.consents, 1)
        cl.addWidget(QLabel(self.tr("同意记录")))
        self.history = _table(
            [
                self.tr("时间"),
                self.tr("类型"),
                self.tr("告知书版本"),
                self.tr("方式"),
                self.tr("经办人"),
                self.tr("内容"),
            ]
        )
        cl.addWidget(self.history, 1)
        self.tabs.addTab(cons, self.tr("同意与撤回"))
        # purchases, service records, disclosures (ui/widgets/member_activity.py)
        self.activity = add_member_activity_tabs(self.tabs, ctx, member_id)
        other = QWidget()
        ol = QVBoxLayout(other)
        for title, text in (
            (self.tr("扫描件"), self.tr("纸质登记表的扫描件在“扫描件”页面查看。")),
            (self.tr("个人信息权利申请"), self.tr("查阅、复制、更正、删除等申请在“个人信息权利申请”页面办理。")),
        ):
            box = QGroupBox(title)
            bl = QVBoxLayout(box)
            bl.addWidget(QLabel(text))
            ol.addWidget(box)
        ol.addStretch(1)
        self.tabs.addTab(other, self.tr("扫描件与申请"))
        row = QHBoxLayout()
        self.correct_btn = QPushButton(self.tr("更正信息"))
        self.reconsent_btn = QPushButton(self.tr("重新确认同意"))
        self.reconsent_btn.setObjectName("reconsent")
        self.reveal_btn = QPushButton(self.tr("查看完整信息（店长）"))
        self.close_btn = QPushButton(self.tr("关闭"))
        self.close_btn.setDefault(True)
        row.addWidget(self.correct_btn)
        row.addWidget(self.reconsent_btn)
        row.addWidget(self.reveal_btn)
        row.addStretch(1)
        row.addWidget(self.close_btn)
        lay.addLayout(row)
        self.correct_btn.clicked.connect(self.correct)
        self.reconsent_btn.clicked.connect(self.reconsent)
        self.reveal_btn.clicked.connect(self.reveal)
        self.close_btn.clicked.connect(self.accept)
        self.load()

    def load(self) -> None:
        m = get_member(self.ctx.session, self.member_id)  # audited view (SEC-1)
        self.member = m
        while self.form.rowCount():
            self.form.removeRow(0)
        status = {"active": self.tr("正常"), "cancelled": self.tr("已注销")}.get(m.status, m.status)
        rows = [
            (self.tr("会员号"), m.member_no),
            (self.tr("姓名"), m.name),
            (self.tr("手机号"), m.mobile_masked),
            (self.tr("出生日期"), m.birth_date or self.tr("未填写")),
            (self.tr("登记时间"), m.registered_at.replace("T", " ")[:16] + " · " + m.registered_store),
            (self.tr("状态"), status + (" · " + self.tr("限制处理") if m.restricted else "")),
            (self.tr("告知书版本"), m.notice_version or ""),
        ]
        for f in ("address", "id_number", "face_feature", "skin_notes"):
            if f in m.fields:
                rows.append((self.labels[f], m.fields[f]))
            elif f in m.corrected_elsewhere:  # cleared here: the customer corrected it at another store
                note = self.tr("已在门店 {s} 更正，需要时请向顾客确认").replace("{s}", m.corrected_elsewhere[f])
                rows.append((self.labels[f], note))
        for label, value in rows:
            v = QLabel(value)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(label, v)
        banner = []
        if m.reconsent_needed:
            banner.append(
                self.tr("告知书已更新：请顾客阅读新版本并重新确认同意，更改的处理在重新同意前不适用于该会员。")
            )
        if m.is_minor:
            banner.append(self.tr("该会员登记时不满十四周岁，由监护人同意。"))
        self.banner.setText("\n".join(banner))
        self.banner.setVisible(bool(banner))
        self.reconsent_btn.setVisible(m.status == "active")
        self.reconsent_btn.setDefault(m.reconsent_needed)
        self._fill_consents()

    def _fill_consents(self) -> None:
        titles = {p.code: p.title for p in self.notice.purposes}
        m = self.member
        self.consents.setRowCount(len(self.notice.purposes))
        withdrawable = (
            {c for c, _ in withdrawable_purposes(self.ctx.session.db, self.member_id, self.ctx.lang)}
            if m.status == "active"
            else set()
        )
        for r, p in enumerate(self.notice.purposes):
            granted = m.consents.get(p.code)
            state = self.tr("已同意") if granted else (self.tr("未同意") if granted is False else self.tr("未选择"))
            self.consents.setItem(
                r, 0, QTableWidgetItem(p.title + ("" if not p.required else " (" + self.tr("必需") + ")"))
            )
            self.consents.setItem(r, 1, QTableWidgetItem(state))
            if p.code in withdrawable:
                btn = QPushButton(style.icon("withdraw", "error"), self.tr("撤回同意"))
                btn.setObjectName(f"withdraw_{p.code}")
                btn.setAutoDefault(False)
                btn.clicked.connect(lambda _=False, c=p.code: self.withdraw(c))
                self.consents.setCellWidget(r, 2, style.in_cell(btn))
            else:
                self.consents.removeCellWidget(r, 2)
                self.consents.setItem(r, 2, QTableWidgetItem(""))
        style.fit_rows(self.consents)
        kinds = {
            "registration": self.tr("登记"),
            "grant": self.tr("同意"),
            "withdrawal": self.tr("撤回同意"),
            "reconsent": self.tr("重新同意"),
            "reference": self.tr("其他门店的同意（引用）"),
        }
        methods = {
            "screen": self.tr("屏幕勾选"),
            "signature": self.tr("签名"),
            "paper": self.tr("纸质表单"),
            "desk": self.tr("服务台"),
        }
        hist = consent_history(self.ctx.session.db, self.member_id, with_references=True)
        self.history.setRowCount(len(hist))
        for r, h in enumerate(hist):
            order = list(titles)
            codes = sorted(h["items"], key=lambda c: order.index(c) if c in order else len(order))
            items = join((("✓ " if h["items"][c] else "✗ ") + titles.get(c, c) for c in codes), self.ctx.lang)
            cells = [
                h["created_at"].replace("T", " ")[:16],
                kinds.get(h["kind"], h["kind"]),
                f"{h['notice_version']} ({h['notice_hash'][:8]})" if h["notice_hash"] else h["notice_version"],
                self.tr("门店 {s} · 记录 {r}").replace("{s}", h["store_code"]).replace("{r}", h["origin_record_id"][:8])
                if h["kind"] == "reference"
                else methods.get(h["method"], h["method"]),
                h["staff_name"] or "",
                items,
            ]
            for c, v in enumerate(cells):
                self.history.setItem(r, c, QTableWidgetItem(v))
        self.history.setWordWrap(True)  # a long 内容 wraps instead of ending in "…"
        style.fit_rows(self.history)

    # -- actions ---------------------------------------------------------------------
    def withdraw(self, code: str) -> None:
        p = self.notice.purpose(code)
        extra = self.tr("该项的信息将立即删除。") if any(FIELD_PURPOSE[f] == code for f in FIELD_PURPOSE) else ""
        if not messagebox.question(
            self,
            self.tr("撤回同意"),
            self.tr("确认撤回“{p}”的同意？撤回后立即停止该项处理。").replace("{p}", p.title) + extra,
        ):
            return
        try:
            withdraw_consent(self.ctx.session, self.member_id, code)
        except UserError as exc:
            self.ctx.show_error(self, exc)
            return
        self.load()

    def reconsent(self) -> None:
        """The customer reads the current notice and decides again, per purpose (CON-5); optional
        purposes can be added the same way."""
        from app.flows.registration import ReconsentFlow
        from ui.dialogs.register_member_dialog import RegisterMemberDialog

        flow = ReconsentFlow(self.ctx.session, self.member_id, lang=self.ctx.lang)
        dlg = RegisterMemberDialog(self.ctx, self, flow=flow)
        dlg.exec()
        self.load()

    def correct(self) -> None:
        dlg = CorrectMemberDialog(self.ctx, self.member, self.labels, self)
        if dlg.exec():
            self.load()

    def reveal(self) -> None:
        session = self.ctx.manager_session(self, self.tr("查看完整信息需要店长本人登录，并登记查看原因。"))
        if session is None:
            return
        dlg = RevealDialog(self.ctx, session, self.member, self.labels, self)
        dlg.exec()


class CorrectMemberDialog(QDialog):
    """更正、补充： only the fields of purposes the member consented to; audited by field name."""

    def __init__(self, ctx, member, labels, parent=None):
        super().__init__(parent)
        self.ctx, self.member = ctx, member
        self.setWindowTitle(self.tr("更正信息"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("只填写需要更正或补充的项目，留空的项目不变。")))
        form = QFormLayout()
        self.edits = {}
        granted = {c for c, g in member.consents.items() if g}
        for f in ("name", "mobile", "birth_date", "address", "id_number", "skin_notes"):
            if FIELD_PURPOSE[f] not in granted:
                continue
            e = QLineEdit()
            e.setObjectName(f"correct_{f}")
            if f == "name":
                e.setText(member.name)
            form.addRow(labels[f], e)
            self.edits[f] = e
        lay.addLayout(form)
        self.error = error_label()
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel(self, self.tr("保存"), self.save, self.tr("取消")))

    def save(self) -> None:
        changes = {f: e.text() for f, e in self.edits.items() if e.text().strip()}
        if changes.get("name") == self.member.name:
            changes.pop("name")
        try:
            update_member(self.ctx.session, self.member.id, changes, cipher=cipher_for(self.ctx.vault))
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        self.accept()


class RevealDialog(QDialog):
    """A manager sees one value in clear, with a reason; every reveal is in the audit log (SEN-3)."""

    def __init__(self, ctx, session, member, labels, parent=None):
        super().__init__(parent)
        self.ctx, self.session, self.member = ctx, session, member
        self.setWindowTitle(self.tr("查看完整信息"))
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.field = QComboBox()
        for f in REVEALABLE:
            if f == "mobile" or f in member.fields:
                self.field.addItem(labels[f], f)
        self.reason = QComboBox()
        reasons = {
            "customer_request": self.tr("顾客本人要求核对"),
            "finance_service": self.tr("办理金融业务核验"),
            "correction": self.tr("更正信息核对"),
            "legal": self.tr("依法配合调查"),
            "other": self.tr("其他"),
        }
        for code in REVEAL_REASONS:
            self.reason.addItem(reasons[code], code)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("说明（至少 4 个字）"))
        form.addRow(self.tr("查看项目"), self.field)
        form.addRow(self.tr("查看原因"), self.reason)
        form.addRow(self.tr("说明"), self.note)
        lay.addLayout(form)
        self.value = QLabel()
        style.role(self.value, "title")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.value)
        self.error = error_label()
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel(self, self.tr("查看"), self.show_value, self.tr("关闭")))

    def show_value(self) -> None:
        self.error.clear()
        field, reason, note = self.field.currentData(), self.reason.currentData(), self.note.text()
        try:
            if field == "mobile":  # not sealed: the manager's session reveals it as before
                v = reveal_field(self.session, self.member.id, field, reason, note, cipher_for(self.ctx.vault))
            else:  # sealed (SEN-3): only a manager's own password opens it, for this one reveal
                v = self.ctx.with_step_up(
                    self,
                    self.tr("查看敏感信息需要店长本人输入密码。"),
                    lambda up: reveal_field(
                        up.session(self.ctx.session), self.member.id, field, reason, note, up.cipher
                    ),
                )
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        if v is not None:
            self.value.setText(v)

    def done(self, r: int) -> None:
        self.value.clear()  # the clear value leaves the screen with the dialog
        super().done(r)
