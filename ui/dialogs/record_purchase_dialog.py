"""录入消费记录 (a purchase keyed at the counter), 登记服务记录 (complaint / feedback / survey) and the
POS file import with its report of rejected lines. Opened from the member page, the home page (the POS
import, for clerks too) and the retention page.

    RecordPurchaseDialog(ctx, member_id, parent).exec()
    ServiceRecordDialog(ctx, member_id, parent).exec()
    import_pos_with_report(ctx, parent, path=None)
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
)

from app.errors import UserError
from app.messages import render
from app.purchases.records import record_purchase
from app.service_records import MAX_BODY, open_record
from ui import style
from ui.widgets.dialog_parts import ok_cancel

RED, GREY = style.COLOURS["error"], style.COLOURS["hint"]
PAYMENT_METHODS = ("微信支付", "支付宝", "银联刷卡", "现金", "储值卡", "其他")


class RecordPurchaseDialog(QDialog):
    def __init__(self, ctx, member_id: str, parent=None):
        super().__init__(parent)
        self.ctx, self.member_id = ctx, member_id
        self.purchase_id: int | None = None
        self.setWindowTitle(self.tr("录入消费记录"))
        # no fixed width: shown at its layout's size hint (a fixed minimum of 460 px cut the labels in English)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("例如 128.50"))
        now = ctx.session.clock.now()
        self.when = QDateTimeEdit(QDateTime.fromString(now.strftime("%Y-%m-%d %H:%M"), "yyyy-MM-dd HH:mm"))
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.goods = QLineEdit()
        self.goods.setPlaceholderText(self.tr("例如 服装、家电"))
        self.goods.setMaxLength(64)
        self.method = QComboBox()
        labels = {
            "微信支付": self.tr("微信支付"),
            "支付宝": self.tr("支付宝"),
            "银联刷卡": self.tr("银联刷卡"),
            "现金": self.tr("现金"),
            "储值卡": self.tr("储值卡"),
            "其他": self.tr("其他"),
        }
        for m in PAYMENT_METHODS:
            self.method.addItem(labels[m], m)  # the stored value stays the Chinese code
        self.txn = QLineEdit()
        self.txn.setPlaceholderText(self.tr("小票上的交易号（可不填）"))
        self.txn.setMaxLength(64)
        self.payment_ref = QLineEdit()
        self.payment_ref.setPlaceholderText(self.tr("支付机构交易流水号，不要填写银行卡号"))
        self.payment_ref.setMaxLength(64)
        self.coupon = QLineEdit()
        self.coupon.setPlaceholderText(self.tr("使用的优惠券编号（可不填）"))
        self.coupon.setMaxLength(32)
        form.addRow(self.tr("金额（元）"), self.amount)
        form.addRow(self.tr("交易时间"), self.when)
        form.addRow(self.tr("商品类别"), self.goods)
        form.addRow(self.tr("支付方式"), self.method)
        form.addRow(self.tr("交易号"), self.txn)
        form.addRow(self.tr("支付流水号"), self.payment_ref)
        form.addRow(self.tr("优惠券"), self.coupon)
        lay.addLayout(form)
        note = QLabel(self.tr("本系统不保存银行卡号等支付信息，只保存支付机构的交易流水号。"))
        note.setWordWrap(True)
        style.role(note, "hint")
        lay.addWidget(note)
        self.error = QLabel()
        self.error.setWordWrap(True)
        style.role(self.error, "error")
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel(self, self.tr("保存"), None, self.tr("取消")))
        self.amount.setFocus()

    def accept(self) -> None:
        session = self.ctx.session
        if session is None:
            return self.reject()
        try:
            self.purchase_id = record_purchase(
                session,
                self.member_id,
                amount=self.amount.text(),
                purchased_at=self.when.dateTime().toString("yyyy-MM-dd HH:mm"),
                goods_type=self.goods.text(),
                payment_method=self.method.currentData(),
                payment_ref=self.payment_ref.text(),
                coupon_code=self.coupon.text(),
                pos_txn_id=self.txn.text(),
            )
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            if exc.key == "purchase.card_number":
                self.payment_ref.clear()  # the card number leaves the form at once
                self.txn.clear() if exc.params.get("field") == "pos_txn_id" else None
            return
        super().accept()

    def done(self, r):
        for w in (self.amount, self.goods, self.txn, self.payment_ref, self.coupon):
            w.clear()
        super().done(r)


class ServiceRecordDialog(QDialog):
    KINDS = (("complaint", "投诉"), ("feedback", "意见反馈"), ("survey", "满意度调查"))

    def __init__(self, ctx, member_id: str, parent=None):
        super().__init__(parent)
        self.ctx, self.member_id = ctx, member_id
        self.record_id: str | None = None
        self.setWindowTitle(self.tr("登记服务记录"))
        # no fixed width: shown at its layout's size hint (a fixed minimum of 460 px cut the labels in English)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.kind = QComboBox()
        for key, label in self.KINDS:
            self.kind.addItem(self.tr(label), key)
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText(self.tr("顾客反映的问题或意见、处理情况"))
        self.body.textChanged.connect(lambda: self.error.clear())
        self.closed = QCheckBox(self.tr("已当场处理完毕（服务结束）"))
        self.error = QLabel()
        style.role(self.error, "error")
        self.error.setWordWrap(True)
        form.addRow(self.tr("类型"), self.kind)
        form.addRow(self.tr("内容"), self.body)
        form.addRow("", self.closed)
        lay.addLayout(form)
        note = QLabel(self.tr("服务记录自服务结束之日起保存 2 年，到期自动删除。"))
        note.setWordWrap(True)
        style.role(note, "hint")
        lay.addWidget(note)
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel(self, self.tr("保存"), None, self.tr("取消")))

    def accept(self) -> None:
        session = self.ctx.session
        if session is None:
            return self.reject()
        text = self.body.toPlainText()
        try:
            self.record_id = open_record(
                session, self.member_id, self.kind.currentData(), text[: MAX_BODY + 1], closed=self.closed.isChecked()
            )
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        super().accept()

    def done(self, r):
        self.body.clear()
        super().done(r)


class ImportReportDialog(QDialog):
    """What the POS import did: accepted, duplicates, and each rejected line with its reason."""

    def __init__(self, result, lang: str = "zh_CN", parent=None, file_name: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("收银数据导入结果"))
        self.resize(520, 420)  # a starting size: the layout sets the minimum
        lay = QVBoxLayout(self)
        head = self.tr("已导入 {a} 条；重复（已导入过）{d} 条；未导入 {r} 条。").format(
            a=result.accepted, d=result.duplicates, r=result.rejected_count
        )
        if result.already_done:
            head = self.tr("该文件此前已导入完毕。") + head
        elif result.resumed_from:
            head = self.tr("从第 {n} 行之后继续导入。").format(n=result.resumed_from) + head
        if file_name:
            head = self.tr("文件：") + file_name + "\n" + head
        label = QLabel(head)
        label.setWordWrap(True)
        label.setObjectName("import_summary")
        lay.addWidget(label)
        self.lines = QListWidget()
        self.lines.setObjectName("rejected")
        columns = {
            "txn_id": self.tr("交易号"),
            "member_no": self.tr("会员号"),
            "time": self.tr("交易时间"),
            "amount": self.tr("金额"),
            "goods_type": self.tr("商品类别"),
            "payment_method": self.tr("支付方式"),
            "payment_ref": self.tr("支付流水号"),
            "coupon": self.tr("优惠券"),
        }
        for line, reason, field in result.rejected[:2000]:
            text = self.tr("第 {n} 行：").format(n=line) + render(f"pos.reason.{reason}", lang)
            if field:
                text += self.tr("（列：{c}）").format(c=columns.get(field, field))
            self.lines.addItem(text)
        if len(result.rejected) > 2000:
            self.lines.addItem(self.tr("……另有 {n} 行未列出").format(n=len(result.rejected) - 2000))
        lay.addWidget(self.lines, 1)
        b = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        b.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        b.button(QDialogButtonBox.StandardButton.Close).setDefault(True)
        b.rejected.connect(self.reject)
        lay.addWidget(b)


def import_pos_with_report(ctx, parent, path: str | None = None, show: bool = True):
    """Ask for a POS export file, import it in the background, show the report. Returns the dialog (tests).
    The home page (导入收银数据…, clerks too) and the retention page open this; never at the same time as the
    folder import (app.purchases.pos_folder.import_file waits for it)."""
    from pathlib import Path

    from app.purchases.pos_folder import import_file

    session = ctx.session
    if session is None:
        return None
    if not path:
        path, _ = QFileDialog.getOpenFileName(
            parent,
            QCoreApplication.translate("PosImport", "导入收银系统文件"),
            "",
            QCoreApplication.translate("PosImport", "收银导出文件 (*.csv *.json *.jsonl *.txt)"),
        )
        if not path:
            return None
    holder = {}

    def done(result):
        if ctx.session is not session:  # locked (or another person signed in) meanwhile
            return
        ctx.note_pos_import(Path(path).name, result.import_id)
        dlg = ImportReportDialog(result, ctx.lang, parent, file_name=Path(path).name)
        holder["dialog"] = dlg
        if show:
            dlg.exec()

    def failed(exc):
        if ctx.session is session:
            ctx.show_error(parent, exc)

    job = ctx.background_session(session)
    ctx.run_task(lambda: import_file(job, path), done, failed)
    return holder.get("dialog")
