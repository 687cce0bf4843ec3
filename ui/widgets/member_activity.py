"""The member's purchases, service records and disclosures, as tabs for the member page:

    from ui.widgets.member_activity import add_member_activity_tabs
    add_member_activity_tabs(tab_widget, ctx, member_id)

Each tab lists (reads are audited by the services) and has its action: 录入消费记录， 登记服务记录 /
结束服务， 向第三方提供…; a manager also gets 身份证号业务办结 (RET-4) on the purchases tab."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.disclosures import list_disclosures
from app.errors import UserError
from app.purchases.records import format_amount, list_purchases
from app.retention.id_numbers import id_number_state, mark_business_done
from app.service_records import close_record, list_records
from ui import messagebox, style

GREY = style.COLOURS["hint"]


def _table(headers) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem("" if text is None else str(text)))


def _when(ts: str | None) -> str:
    return (ts or "")[:16].replace("T", " ")


class PurchasesTab(QWidget):
    def __init__(self, ctx, member_id: str, parent=None):
        super().__init__(parent)
        self.ctx, self.member_id = ctx, member_id
        lay = QVBoxLayout(self)
        self.table = _table(
            [
                self.tr("交易时间"),
                self.tr("金额"),
                self.tr("商品类别"),
                self.tr("支付方式"),
                self.tr("交易号"),
                self.tr("优惠券"),
                self.tr("来源"),
            ]
        )
        lay.addWidget(self.table, 1)
        self.id_state = QLabel()
        style.role(self.id_state, "hint")
        lay.addWidget(self.id_state)
        bar = QHBoxLayout()
        self.add_btn = QPushButton(self.tr("录入消费记录…"))
        self.add_btn.clicked.connect(self.add)
        self.done_btn = QPushButton(self.tr("身份证号业务办结…"))
        self.done_btn.clicked.connect(self.business_done)
        bar.addWidget(self.add_btn)
        bar.addStretch(1)
        bar.addWidget(self.done_btn)
        lay.addLayout(bar)
        self.refresh()

    def refresh(self) -> None:
        s = self.ctx.session
        if s is None:
            return
        source = {"pos": self.tr("收银导入"), "manual": self.tr("柜台录入")}
        _fill(
            self.table,
            [
                [
                    _when(p["purchased_at"]),
                    format_amount(p["amount_fen"]),
                    p["goods_type"],
                    p["payment_method"],
                    p["pos_txn_id"],
                    p["coupon_code"] or "",
                    source.get(p["source"], ""),
                ]
                for p in list_purchases(s, self.member_id)
            ],
        )
        st = id_number_state(s.db, self.member_id)
        self.done_btn.setVisible(st["stored"] and not st["business_done_at"])
        if st["business_done_at"]:
            self.id_state.setText(
                self.tr("身份证号已于 {d} 业务办结并脱敏显示；原始号码{state}。").format(
                    d=st["business_done_at"][:10],
                    state=self.tr("已删除") if st["deleted_at"] else self.tr("将在 30 天内删除"),
                )
            )
        else:
            self.id_state.setText("")

    def add(self) -> None:
        from ui.dialogs.record_purchase_dialog import RecordPurchaseDialog

        if RecordPurchaseDialog(self.ctx, self.member_id, self).exec():
            self.refresh()

    def business_done(self) -> None:
        if not messagebox.question(
            self,
            self.tr("身份证号业务办结"),
            self.tr("分期等业务已办结，身份证号将立即脱敏显示，原始号码在 30 天内删除。是否继续？"),
        ):
            return
        try:
            # the original number is sealed (SEN-3): the manager's own password opens it for this step
            self.ctx.with_step_up(
                self,
                self.tr("身份证号业务办结"),
                lambda up: mark_business_done(up.session(self.ctx.session), self.member_id, up.cipher),
            )
        except UserError as exc:
            self.ctx.show_error(self, exc)
        self.refresh()


class ServiceRecordsTab(QWidget):
    KINDS: ClassVar[dict[str, str]] = {"complaint": "投诉", "feedback": "意见反馈", "survey": "满意度调查"}

    def __init__(self, ctx, member_id: str, parent=None):
        super().__init__(parent)
        self.ctx, self.member_id = ctx, member_id
        self._rows: list[dict] = []
        lay = QVBoxLayout(self)
        self.table = _table([self.tr("登记时间"), self.tr("类型"), self.tr("状态"), self.tr("内容")])
        lay.addWidget(self.table, 1)
        note = QLabel(self.tr("服务记录自服务结束之日起保存 2 年。"))
        style.role(note, "hint")
        lay.addWidget(note)
        bar = QHBoxLayout()
        self.add_btn = QPushButton(self.tr("登记服务记录…"))
        self.add_btn.clicked.connect(self.add)
        self.close_btn = QPushButton(self.tr("结束服务"))
        self.close_btn.clicked.connect(self.close_selected)
        bar.addWidget(self.add_btn)
        bar.addWidget(self.close_btn)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.refresh()

    def refresh(self) -> None:
        s = self.ctx.session
        if s is None:
            return
        self._rows = list_records(s, self.member_id)
        _fill(
            self.table,
            [
                [
                    _when(r["opened_at"]),
                    self.tr(self.KINDS[r["kind"]]),
                    self.tr("已结束 {d}").format(d=r["closed_at"][:10]) if r["closed_at"] else self.tr("处理中"),
                    r["body"],
                ]
                for r in self._rows
            ],
        )

    def add(self) -> None:
        from ui.dialogs.record_purchase_dialog import ServiceRecordDialog

        if ServiceRecordDialog(self.ctx, self.member_id, self).exec():
            self.refresh()

    def close_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._rows) and not self._rows[row]["closed_at"]:
            try:
                close_record(self.ctx.session, self._rows[row]["id"])
            except UserError as exc:
                self.ctx.show_error(self, exc)
            self.refresh()


class DisclosuresTab(QWidget):
    def __init__(self, ctx, member_id: str, parent=None):
        super().__init__(parent)
        self.ctx, self.member_id = ctx, member_id
        lay = QVBoxLayout(self)
        self.table = _table(
            [self.tr("时间"), self.tr("接收方"), self.tr("目的"), self.tr("提供的信息"), self.tr("关联订单")]
        )
        lay.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.add_btn = QPushButton(self.tr("向第三方提供…"))
        self.add_btn.clicked.connect(self.add)
        bar.addWidget(self.add_btn)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.refresh()

    def refresh(self) -> None:
        s = self.ctx.session
        if s is None:
            return
        purpose = {"delivery": self.tr("送货上门"), "warranty": self.tr("延长保修")}
        fields = {
            "name": self.tr("姓名"),
            "mobile": self.tr("手机号"),
            "delivery_address": self.tr("收货地址"),
            "order_no": self.tr("订单号"),
            "product": self.tr("商品信息"),
        }
        _fill(
            self.table,
            [
                [
                    _when(d["disclosed_at"]),
                    d["recipient"],
                    purpose.get(d["purpose"], d["purpose"]),
                    "、".join(fields.get(f, f) for f in d["fields"]),
                    d["reference"] or "",
                ]
                for d in list_disclosures(s, self.member_id)
            ],
        )

    def add(self) -> None:
        from ui.dialogs.disclose_dialog import DiscloseDialog

        if DiscloseDialog(self.ctx, self.member_id, self).exec():
            self.refresh()


def add_member_activity_tabs(tabs, ctx, member_id: str) -> list[QWidget]:
    """Add 消费记录 / 服务记录 / 向第三方提供记录 tabs to a QTabWidget. Returns the tab widgets."""
    out = [PurchasesTab(ctx, member_id), ServiceRecordsTab(ctx, member_id), DisclosuresTab(ctx, member_id)]
    titles = (
        QCoreApplication.translate("MemberActivity", "消费记录"),
        QCoreApplication.translate("MemberActivity", "服务记录"),
        QCoreApplication.translate("MemberActivity", "向第三方提供记录"),
    )
    for w, title in zip(out, titles, strict=True):
        tabs.addTab(w, title)
    return out
