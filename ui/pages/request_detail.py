"""Request detail: the facts, the timeline, and the next steps as buttons (RequestDetail widget,
shown beside the queue). Manager-only steps ask for a manager's own sign-in when a clerk is signed in."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import requests as R
from app.consent.queries import withdrawable_purposes
from app.errors import UserError
from app.members.queries import is_restricted, member_brief, member_exists
from app.requests import chain as RC, letters, model as M
from app.sync import SyncEngine
from ui import messagebox, style
from ui.dialogs.print_preview_dialog import PrintPreviewDialog
from ui.dialogs.request_step_dialog import RequestStepDialog
from ui.pages import request_unknown as RU

URGENCY_COLOURS = {
    "overdue": style.COLOURS["error"],
    "soon": style.COLOURS["warn"],
    "ok": style.COLOURS["ok"],
    "closed": style.COLOURS["hint"],
}


def countdown_text(urgency: str, days_left: int) -> str:
    if urgency == "closed":
        return QCoreApplication.translate("RequestDetail", "已办结")
    if urgency == "overdue" and days_left:
        return QCoreApplication.translate("RequestDetail", "已超期 %1 个工作日").replace("%1", str(abs(days_left)))
    if urgency == "overdue":
        return QCoreApplication.translate("RequestDetail", "已超期")
    if days_left == 0:
        return QCoreApplication.translate("RequestDetail", "今天到期")
    return QCoreApplication.translate("RequestDetail", "剩 %1 个工作日").replace("%1", str(days_left))


class RequestDetail(QWidget):
    changed = Signal()

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.request_id: str | None = None
        self.req: dict | None = None
        self.customer: dict | None = None  # a customer not held here (issue #18): app.requests.unknown
        self.engine_factory = None  # tests give one; else SyncEngine.for_session
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 0, 0, 0)
        self.title = QLabel(self.tr("请在左侧选择一件申请"))
        style.role(self.title, "heading")
        lay.addWidget(self.title)
        self.form = QFormLayout()
        self.facts = {}
        for key, text in (
            ("type", self.tr("申请事项")),
            ("member", self.tr("会员号")),
            ("status", self.tr("状态")),
            ("identity", self.tr("身份核验")),
            ("received", self.tr("受理时间")),
            ("due", self.tr("答复期限")),
            ("outcome", self.tr("处理结果")),
            ("stores", self.tr("各门店确认")),
        ):
            lab = QLabel()
            lab.setWordWrap(True)
            self.facts[key] = lab
            self.form.addRow(text, lab)
        lay.addLayout(self.form)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        style.role(self.warning, "warn")
        lay.addWidget(self.warning)
        head = QLabel(self.tr("办理过程"))
        style.role(head, "heading")
        lay.addWidget(head)
        self.timeline = QTreeWidget()
        self.timeline.setHeaderLabels([self.tr("时间"), self.tr("经办人"), self.tr("步骤"), self.tr("说明")])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setWordWrap(True)
        th = (
            self.timeline.header()
        )  # time, person and step as wide as their texts (both languages); notes take the rest
        for c in range(3):
            th.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        th.setStretchLastSection(True)
        lay.addWidget(self.timeline, 1)
        grid = QGridLayout()
        self.grid = grid
        self.buttons: dict[str, QPushButton] = {}
        specs = [
            ("verify", self.tr("核验身份")),
            ("execute", self.tr("办理")),
            ("pause", self.tr("暂停")),
            ("resume", self.tr("恢复处理")),
            ("extend", self.tr("延长期限")),
            ("refuse", self.tr("拒绝")),
            ("not_found", self.tr("按未找到办结")),
            ("lift", self.tr("解除限制处理")),
            ("receipt", self.tr("打印受理回执")),
            ("letter", self.tr("打印处理结果告知书")),
            ("ext_letter", self.tr("打印延期答复告知书")),
            *RU.button_texts().items(),
        ]
        for i, (key, text) in enumerate(specs):
            b = QPushButton(text)
            b.setMinimumHeight(34)
            b.setAutoDefault(False)
            b.clicked.connect(lambda _=False, k=key: self.act(k))
            self.buttons[key] = b
            grid.addWidget(b, i // 4, i % 4)
        lay.addLayout(grid)
        self.show_request(None)

    def lab(self, table: dict, key: str) -> str:
        """A model label (app.requests.model carries zh_CN and en) in the UI language."""
        return M.label(table, key, self.ctx.lang)

    # -- rendering -------------------------------------------------------------------
    def show_request(self, request_id: str | None) -> None:
        self.request_id = request_id
        session = self.ctx.session
        self.timeline.clear()
        if not request_id or session is None:
            self.req = None
            self.title.setText(self.tr("请在左侧选择一件申请"))
            for lab in self.facts.values():
                lab.setText("")
            self.warning.setText("")
            for b in self.buttons.values():
                b.setVisible(False)
            return
        req = R.get_request(session.db, request_id)
        self.req = req
        today = session.clock.today()
        urgency, left = R.urgency(req["status"], dt.date.fromisoformat(req["due_on"]), today)
        self.title.setText(self.tr("申请 ") + req["request_no"])
        member_no = ""
        if req["member_id"]:
            row = member_brief(session.db, req["member_id"])
            if row is None:
                member_no = self.tr("(个人信息已删除)")
            elif row["restricted"] and not session.can(M.MEMBER_RESTRICTED_VIEW):
                member_no = self.tr("(已限制处理，仅店长可见)")
            else:
                member_no = row["member_no"] + (self.tr("  · 已限制处理") if row["restricted"] else "")
        self.customer = RU.unknown.customer(session.db, request_id)
        if not req["member_id"] and self.customer is not None:
            member_no = RU.member_text(self.customer, self.ctx.lang)
        elif not req["customer_found"]:
            member_no = self.tr("未找到该顾客（非会员）")
        self.facts["type"].setText(self.lab(M.TYPE_LABELS, req["type"]))
        self.facts["member"].setText(member_no)
        self.facts["status"].setText(self.lab(M.STATUS_LABELS, req["status"]))
        self.facts["identity"].setText(
            self.lab(M.IDENTITY_LABELS, req["identity_method"] or "") if req["identity_method"] else self.tr("尚未核验")
        )
        received = req["received_at"][:16].replace("T", " ")
        if req.get("channel") and req["channel"] != "desk":  # RIG-1: the channel and the day it came in
            received = f"{req['received_on']}  {self.lab(M.CHANNEL_LABELS, req['channel'])}"
        self.facts["received"].setText(received)
        due = self.facts["due"]
        due.setText(
            f"{req['due_on']}  ({countdown_text(urgency, left)})"
            + (self.tr("  已延长 %n 个工作日", "", req["extended_days"]) if req["extended_days"] else "")
        )
        style.role(due, {"overdue": "overdue", "soon": "soon", "ok": "ok"}.get(urgency, "hint"))
        outcome = {
            "done": self.tr("已办理"),
            "not_found": self.tr("未找到该顾客"),
            "refused": self.tr("不予办理"),
            "already_erased": self.tr("此前已删除"),
        }.get(req["outcome"] or "", "")
        if req["outcome"] == "refused" and req["legal_basis"]:
            outcome += self.tr("(法律依据：") + req["legal_basis"] + ")"
        self.facts["outcome"].setText(outcome)
        self.facts["stores"].setText(self._confirmations_text(request_id))
        self.warning.setText(
            self.tr(
                "%1 年的节假日安排尚未导入：答复期限按保守方法计算（法定节假日前后两周内的周末也算工作日），"
                "不会晚于实际期限，最多可能早 13 天。"
            ).replace("%1", req["table_missing"])
            if req["table_missing"]
            else ""
        )
        for e in R.timeline(session.db, request_id):
            text = e["note"] or ""
            data = e["data"] or {}
            if e["event"] == "extended":
                text = self.tr("延长 %n 个工作日：", "", data.get("days", 0)) + text
            elif e["event"] == "resumed" and data.get("paused_days"):
                text = self.tr("暂停 %n 个工作日，期限顺延至 ", "", data["paused_days"]) + data.get("due_on", "")
            elif e["event"] == "verified":
                text = self.lab(M.IDENTITY_LABELS, data.get("method", ""))
            elif e["event"] in ("completed", "not_found"):
                text = self._result_text(req["type"], data) or text
            elif e["event"] == "chain_lookup":  # the lookup's answer (issue #18), no personal data
                text = self.lab(RU.unknown.STATE_LABELS, data.get("outcome", ""))
            elif e["event"] == "printed":
                text = self.tr("受理回执") if data.get("document") == "receipt" else self.tr("处理结果告知书")
            item = QTreeWidgetItem(
                [e["ts"][:16].replace("T", " "), e["staff_name"] or "", self.lab(M.EVENT_LABELS, e["event"]), text]
            )
            if e["event"] in ("refused", "paused"):
                item.setForeground(2, QColor("#b7791f"))
            self.timeline.addTopLevelItem(item)
        self._update_buttons()

    def _confirmations_text(self, request_id: str) -> str:
        """Which stores have confirmed this request's orders (signed receipts checked by head office, issue #18)."""
        rows = R.confirmations(self.ctx.session.db, request_id)
        waiting = R.awaiting(self.ctx.session.db, request_id)
        if not rows and not waiting:
            return self.tr("（尚无门店确认）")
        lines = []
        for c in rows:
            when = str(c["executed_at"] or "")[:16].replace("T", " ")
            lines.append(f"{c['store']}  {self.lab(RC.OUTCOME_LABELS, c['outcome'])}  {when}")
        lines += [f"{w['store']}  {self.lab(RC.OUTCOME_LABELS, 'awaiting')}" for w in waiting]
        return "\n".join(lines)

    def _result_text(self, req_type: str, data: dict) -> str:
        if data.get("outcome") == "not_found":
            return self.tr("未找到该顾客的个人信息")
        if data.get("outcome") == "already_erased":
            return self.tr("该会员此前已删除")
        if data.get("erased"):
            return self.tr("已删除个人信息（购买记录保留并断开关联）")
        if "fields" in data:
            return self.tr("已更正：") + "、".join(data["fields"])
        if "purposes" in data:
            return self.tr("已撤回同意：") + "、".join(data["purposes"])
        if data.get("restricted"):
            return self.tr("已限制处理")
        if "cancelled_at" in data:
            return self.tr("会员已注销，保存期限自今日起算")
        if "categories" in data:
            return self.tr("已提供副本，共 %n 条记录", "", sum(data["categories"].values()))
        return ""

    def _update_buttons(self) -> None:
        req = self.req
        st = req["status"]
        is_open = st in M.OPEN_STATUSES
        found = bool(req["customer_found"])
        restricted = bool(req["member_id"]) and is_restricted(self.ctx.session.db, req["member_id"])
        self.buttons["execute"].setText(self.tr("办理：") + self.lab(M.TYPE_LABELS, req["type"]))
        show = {
            "verify": st == "received",
            "execute": (found and st in ("verified", "in_progress"))
            or (req["type"] == "explain" and st in ("received", "verified", "in_progress")),
            "pause": st in ("received", "verified", "in_progress"),
            "resume": st == "paused",
            "extend": is_open,
            "refuse": st in ("received", "verified", "in_progress"),
            "not_found": not found and st in ("received", "verified", "in_progress") and self.customer is None,
            "lift": req["type"] == "restrict" and st == "completed" and restricted,
            "receipt": True,
            "letter": st in ("completed", "refused"),
            "ext_letter": bool(req.get("extended_days")),  # RIG-2: the one extension is told in a letter
            **RU.shown(self.customer, st),
        }
        shown = 0
        for key, b in self.buttons.items():
            self.grid.removeWidget(b)
            b.setVisible(show[key])
            if show[key]:
                self.grid.addWidget(b, shown // 4, shown % 4)
                shown += 1
        self.layout().activate()

    # -- actions ---------------------------------------------------------------------
    def act(self, key: str) -> None:
        if not self.request_id:
            return
        try:
            done = RU.act(self, key) if key in RU.KEYS else getattr(self, "_do_" + key)()
        except Exception as exc:  # noqa: BLE001 - shown to the user as a message
            self.ctx.show_error(self, exc)
            done = True
        if done:
            self.show_request(self.request_id)
            self.changed.emit()

    def _manager(self, purpose: str):
        return self.ctx.manager_session(self, purpose=purpose)

    def _do_verify(self) -> bool:
        from PySide6.QtWidgets import QInputDialog

        items = [self.lab(M.IDENTITY_LABELS, k) for k in M.IDENTITY_METHODS]
        text, ok = QInputDialog.getItem(self, self.tr("核验身份"), self.tr("核验方式"), items, 0, False)
        if not ok:
            return False
        R.verify_identity(self.ctx.session, self.request_id, M.IDENTITY_METHODS[items.index(text)])
        return True

    def _step(self, kind: str, **kw) -> dict | None:
        dlg = RequestStepDialog(kind, self, lang=self.ctx.lang, **kw)
        return dlg.values if dlg.exec() else None

    def _do_pause(self) -> bool:
        v = self._step("pause")
        if v:
            R.pause(self.ctx.session, self.request_id, v["reason"], waits_for=v["choice"])
        return bool(v)

    def _do_resume(self) -> bool:
        v = self._step("resume")
        if v:
            R.resume(self.ctx.session, self.request_id, answer=v["choice"])
        return bool(v)

    def _do_extend(self) -> bool:
        v = self._step("extend")
        s = self._manager(self.tr("延长答复期限")) if v else None
        if s:
            R.extend(s, self.request_id, v["days"], v["reason"])
        return bool(s)

    def _do_refuse(self) -> bool:
        v = self._step("refuse")
        s = self._manager(self.tr("拒绝申请")) if v else None
        if s:
            R.refuse(s, self.request_id, v["reason"], v["legal_basis"])
        return bool(s)

    def _do_not_found(self) -> bool:
        R.close_not_found(self.ctx.session, self.request_id)
        return True

    def _do_lift(self) -> bool:
        v = self._step("pause")
        s = self._manager(self.tr("解除限制处理")) if v else None
        if s:
            R.lift_restriction(s, self.req["member_id"], v["reason"], request_id=self.request_id)
        return bool(s)

    def _do_execute(self) -> bool:
        t = self.req["type"]
        session = self.ctx.session
        if t in ("access", "copy", "transfer"):
            return self._execute_copy()
        if t == "explain":  # the letter is the explanation (PIPL Art. 48)
            self._preview(
                letters.explanation_letter_bytes(session, self.request_id, applicant=self._applicant()),
                self.tr("个人信息处理规则解释说明"),
            )
            R.execute_explain(session, self.request_id)
            return True
        if t == "correct":
            v = self._step("correct")
            if v:
                from app.members.service import cipher_for

                R.execute_correct(session, self.request_id, v["changes"], cipher=cipher_for(self.ctx.vault))
            return bool(v)
        if t == "withdraw":
            purposes = withdrawable_purposes(session.db, self.req["member_id"], self.ctx.lang)
            v = self._step("withdraw", purposes=purposes)
            if v:
                R.execute_withdraw(session, self.request_id, v["purposes"])
            return bool(v)
        if t == "restrict":
            if messagebox.question(
                self,
                self.tr("限制处理"),
                self.tr("限制处理后，该会员的信息仅予保存：店员无法查到，不再用于营销及其他用途，直至解除。确定吗？"),
            ):
                R.execute_restrict(session, self.request_id)
                return True
            return False
        if t == "cancel":
            if messagebox.question(
                self, self.tr("注销会员"), self.tr("注销后会员资格终止，会员信息自今日起保存三年后删除。确定注销吗？")
            ):
                R.execute_cancel(session, self.request_id)
                return True
            return False
        if t == "delete":
            if not messagebox.question(
                self,
                self.tr("删除个人信息"),
                self.tr(
                    "将删除该顾客的全部个人信息（基本信息、敏感信息、同意凭证、签名、扫描件），不可恢复；"
                    "购买记录按税务规定保存但不再关联本人。确定删除吗？"
                ),
            ):
                return False
            s = self._manager(self.tr("删除个人信息"))
            if s:
                R.execute_delete(s, self.request_id, ledger_path=self.ctx.paths.erasure_ledger)
            return bool(s)
        return False

    def _execute_copy(self) -> bool:
        def build(up):  # sealed fields and signatures need a manager's own password (SEN-3)
            s = up.session(self.ctx.session)
            # every store's part comes from head office (issue #18); unreachable: the request stays open
            engine = SyncEngine.for_session(s, ledger_path=self.ctx.paths.erasure_ledger, retries=1)
            return s, *R.build_chain_copy(s, engine, self.request_id, store=letters.store_info(s), cipher=up.cipher)

        built = self.ctx.with_step_up(self, self.tr("提供个人信息副本"), build)
        if not built:
            return False
        s, json_bytes, pdf_bytes, _ = built
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择顾客的存储介质（U盘）保存机器可读文件"))
        if folder:
            from pathlib import Path

            name = f"个人信息副本-{self.req['request_no']}"
            (Path(folder) / f"{name}.json").write_bytes(json_bytes)
            R.record_event(s, self.request_id, "exported", {"format": "json"})
        self._preview(pdf_bytes, self.tr("个人信息副本"))
        return True

    def _applicant(self) -> str | None:
        if self.req["member_id"] and member_exists(self.ctx.session.db, self.req["member_id"]):
            return None
        v = self._step("applicant")
        return None if v is None else v["applicant"]

    def _do_receipt(self) -> bool:
        applicant = self._applicant()
        try:  # the store's 80 mm receipt printer when one is set (settings), else the PDF as before
            used = letters.receipt_to_receipt_printer(self.ctx.session, self.request_id, applicant=applicant)
        except UserError as exc:  # printer off or unplugged: say so, then offer the PDF
            self.ctx.show_error(self, exc)
            used = None
        if used is not None:
            self.ctx.status_message.emit(self.tr("受理回执已在小票打印机上打印。"))
            return True
        pdf = letters.receipt_pdf(self.ctx.session, self.request_id, applicant=applicant)
        self._preview(pdf, self.tr("受理回执"))
        return True

    def _do_letter(self) -> bool:
        pdf = letters.result_letter_bytes(self.ctx.session, self.request_id, applicant=self._applicant())
        self._preview(pdf, self.tr("处理结果告知书"))
        return True

    def _do_ext_letter(self) -> bool:
        pdf = letters.extension_letter_bytes(self.ctx.session, self.request_id, applicant=self._applicant())
        self._preview(pdf, self.tr("延期答复告知书"))
        return True

    def _preview(self, pdf: bytes, title: str) -> None:
        """The printing issue's preview dialog (QtPdf render, print dialog, save as PDF)."""
        self.last_pdf = pdf
        self.preview = PrintPreviewDialog(
            pdf,
            title=title,
            parent=self,
            personal_data=True,
            suggested_name=f"{title}-{self.req['request_no']}.pdf",
            lang=self.ctx.lang,
        )
        self.preview.exec()
