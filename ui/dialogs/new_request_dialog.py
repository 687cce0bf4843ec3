"""新建个人信息权利申请： type, channel (the desk, or a hotline / online request entered here with the day it came
in: the same 15-working-day clock), the member (found by mobile / member number / name, or "customer not
found"), how identity was checked. The ID number is looked at, never typed in."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import requests as R
from app.members.queries import member_no
from app.members.service import cipher_for
from app.requests import model as M
from app.requests.unknown import open_for_unknown
from ui import style

TYPE_TEXT = {
    "access": "查阅",
    "copy": "复制（纸质件及机器可读文件）",
    "transfer": "转移（提供给顾客指定的其他处理者的副本）",
    "explain": "解释说明（个人信息处理规则）",
    "correct": "更正、补充",
    "restrict": "限制处理",
    "withdraw": "撤回同意",
    "cancel": "注销会员",
    "delete": "删除（须店长办理）",
}
IDENTITY_TEXT = {
    "id_card_sighted": "查验身份证件（只核对，不记录号码）",
    "sms_code": "向登记手机号发送验证码并核对",
    "both": "以上两项",
}


class NewRequestDialog(QDialog):
    def __init__(self, ctx, parent=None, member_id: str | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.request_id: str | None = None
        self.member_id = member_id
        self.setWindowTitle(self.tr("新建个人信息权利申请"))
        # no fixed width: shown at its layout's size hint (a fixed minimum of 560 px cut the labels in English)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.type = QComboBox()
        type_text = {
            "access": self.tr("查阅"),
            "copy": self.tr("复制（纸质件及机器可读文件）"),
            "transfer": self.tr("转移（提供给顾客指定的其他处理者的副本）"),
            "explain": self.tr("解释说明（个人信息处理规则）"),
            "correct": self.tr("更正、补充"),
            "restrict": self.tr("限制处理"),
            "withdraw": self.tr("撤回同意"),
            "cancel": self.tr("注销会员"),
            "delete": self.tr("删除（须店长办理）"),
        }
        for key in M.TYPES:
            self.type.addItem(type_text[key], key)
        form.addRow(self.tr("申请事项"), self.type)

        # RIG-1: requests by phone or online are entered here with their channel and the day they came in
        channel_box = QWidget()
        clay = QHBoxLayout(channel_box)
        clay.setContentsMargins(0, 0, 0, 0)
        self.channel = QComboBox()
        channel_text = {"desk": self.tr("门店服务台"), "phone": self.tr("客服热线"), "online": self.tr("线上客服")}
        for key in M.CHANNELS:
            self.channel.addItem(channel_text[key], key)
        clay.addWidget(self.channel)
        clay.addWidget(QLabel(self.tr("收到日期")))
        today = ctx.session.clock.now().date()
        self.received_on = QDateEdit(QDate(today.year, today.month, today.day))
        self.received_on.setDisplayFormat("yyyy-MM-dd")
        self.received_on.setCalendarPopup(True)
        self.received_on.setMaximumDate(QDate(today.year, today.month, today.day))
        self.received_on.setEnabled(False)
        clay.addWidget(self.received_on)
        clay.addStretch(1)
        self.channel.currentIndexChanged.connect(self._update)
        form.addRow(self.tr("申请渠道"), channel_box)

        member_box = QWidget()
        mlay = QVBoxLayout(member_box)
        mlay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText(self.tr("手机号、手机号后4位、会员号或姓名"))
        self.query.returnPressed.connect(self.search)
        row.addWidget(self.query, 1)
        self.search_btn = QPushButton(self.tr("查找会员"))
        self.search_btn.setAutoDefault(False)
        self.search_btn.clicked.connect(self.search)
        row.addWidget(self.search_btn)
        mlay.addLayout(row)
        self.results = QListWidget()
        self.results.setMaximumHeight(120)
        self.results.currentItemChanged.connect(self._picked)
        mlay.addWidget(self.results)
        self.not_found = QCheckBox(self.tr("未找到该顾客（申请人不是本店会员）"))
        self.not_found.toggled.connect(self._update)
        mlay.addWidget(self.not_found)
        # issue #18: a member of another store (or one head office may know) — taken now, looked up later
        self.unknown = QCheckBox(self.tr("本店查不到，顾客可能是其他门店的会员：先受理，再向总部查询"))
        self.unknown.toggled.connect(self._update)
        mlay.addWidget(self.unknown)
        urow = QHBoxLayout()
        self.unknown_name = QLineEdit()
        self.unknown_name.setPlaceholderText(self.tr("顾客姓名"))
        self.unknown_mobile = QLineEdit()
        self.unknown_mobile.setPlaceholderText(self.tr("顾客手机号（11位）"))
        self.unknown_name.textChanged.connect(self._update)
        self.unknown_mobile.textChanged.connect(self._update)
        urow.addWidget(self.unknown_name)
        urow.addWidget(self.unknown_mobile)
        mlay.addLayout(urow)
        form.addRow(self.tr("会员"), member_box)

        id_box = QWidget()
        ilay = QVBoxLayout(id_box)
        ilay.setContentsMargins(0, 0, 0, 0)
        self.identity = QButtonGroup(self)
        self.identity_buttons = {}
        identity_text = {
            "id_card_sighted": self.tr("查验身份证件（只核对，不记录号码）"),
            "sms_code": self.tr("向登记手机号发送验证码并核对"),
            "both": self.tr("以上两项"),
        }
        for key in M.IDENTITY_METHODS:
            b = QRadioButton(identity_text[key])
            self.identity.addButton(b)
            self.identity_buttons[key] = b
            ilay.addWidget(b)
            b.toggled.connect(self._update)
        hint = QLabel(self.tr("身份证号码只用于当面核对，本系统不保存。"))
        hint.setWordWrap(True)
        style.role(hint, "hint")
        ilay.addWidget(hint)
        form.addRow(self.tr("身份核验"), id_box)
        lay.addLayout(form)

        self.error = QLabel()
        style.role(self.error, "error")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("受理"))
        self.ok.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        if member_id:
            self._preselect(member_id)
        self._update()
        self.query.setFocus()

    def _preselect(self, member_id: str) -> None:
        no = member_no(self.ctx.session.db, member_id)
        if no:
            item = QListWidgetItem(no)
            item.setData(Qt.ItemDataRole.UserRole, member_id)
            self.results.addItem(item)
            self.results.setCurrentItem(item)

    def search(self) -> None:
        from app.members.search import search_members

        self.results.clear()
        self.member_id = None
        try:
            found = search_members(self.ctx.session, self.query.text())
        except Exception as exc:  # noqa: BLE001
            self.ctx.show_error(self, exc, self.error)
            return
        for hit in found.hits:
            text = f"{hit.member_no}  {hit.name_masked}  {hit.mobile_masked}"
            if hit.status == "cancelled":
                text += "  " + self.tr("(已注销)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, hit.id)
            self.results.addItem(item)
        if found.hits:
            self.results.setCurrentRow(0)
            self.error.setText("")
        else:
            self.error.setText(self.tr("没有找到会员。如申请人确实不是会员，请勾选“未找到该顾客”。"))
        self._update()

    def _picked(self, item, _prev=None) -> None:
        self.member_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        self._update()

    def _method(self) -> str | None:
        for key, b in self.identity_buttons.items():
            if b.isChecked():
                return key
        return None

    def _update(self) -> None:
        self.received_on.setEnabled(self.channel.currentData() != "desk")
        if self.unknown.isChecked() and self.not_found.isChecked():
            self.not_found.setChecked(False)
        nf, unk = self.not_found.isChecked(), self.unknown.isChecked()
        self.not_found.setEnabled(not unk)
        self.results.setEnabled(not nf and not unk)
        self.query.setEnabled(not nf and not unk)
        self.unknown_name.setVisible(unk)
        self.unknown_mobile.setVisible(unk)
        given = bool(self.unknown_name.text().strip()) and bool(self.unknown_mobile.text().strip())
        self.ok.setEnabled(bool(self._method()) and (nf or (unk and given) or (not unk and bool(self.member_id))))

    def submit(self) -> None:
        received_on = None if self.channel.currentData() == "desk" else self.received_on.date().toPython()
        try:
            if self.unknown.isChecked():  # stored encrypted; looked up at head office from the request
                self.request_id = open_for_unknown(
                    self.ctx.session,
                    self.type.currentData(),
                    self.unknown_name.text(),
                    self.unknown_mobile.text(),
                    cipher_for(self.ctx.vault),
                    identity_method=self._method(),
                    channel=self.channel.currentData(),
                    received_on=received_on,
                )
                self.accept()
                return
            self.request_id = R.open_request(
                self.ctx.session,
                self.type.currentData(),
                None if self.not_found.isChecked() else self.member_id,
                identity_method=self._method(),
                customer_found=not self.not_found.isChecked(),
                channel=self.channel.currentData(),
                received_on=None if self.channel.currentData() == "desk" else self.received_on.date().toPython(),
            )
        except Exception as exc:  # noqa: BLE001
            self.ctx.show_error(self, exc, self.error)
            return
        self.accept()

    def clear(self) -> None:
        self.query.clear()
        self.results.clear()
