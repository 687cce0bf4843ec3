"""保存期限： the retention rules (read-only at the store), the dry run (how many of each category are
due, how many are under legal hold, the oldest), the purge itself, the purge report, legal holds and
the POS import. Manager page."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.members.service import cipher_for
from app.retention import apply_sweep, dry_run, get_rules, list_holds, list_runs, place_hold, release_hold
from app.retention.holds import resolve_subject, subject_label
from app.retention.report import ORDER, purge_report_csv, purge_report_pdf
from ui import messagebox, style
from ui.dialogs.legal_hold_dialog import LegalHoldDialog
from ui.pages.registry import PageSpec, register_page

RED, AMBER, GREY = style.COLOURS["error"], style.COLOURS["warn"], style.COLOURS["hint"]


def _ro(text) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class RetentionPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.last_result: dict | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        title = QLabel(self.tr("保存期限与清理"))
        style.role(title, "title")
        lay.addWidget(title)
        intro = QLabel(
            self.tr(
                "超过保存期限的个人信息每天自动清理。清理前可先试运行查看数量；处于法律保全中的会员或记录不会被清理。"
            )
        )
        intro.setWordWrap(True)
        style.role(intro, "hint")
        lay.addWidget(intro)

        rules_box = QGroupBox(self.tr("保存期限规则（由总部统一制定，门店只读）"))
        rl = QVBoxLayout(rules_box)
        self.rules = _table(
            [
                self.tr("类别"),
                self.tr("规则"),
                self.tr("起算事件"),
                self.tr("保存期限"),
                self.tr("到期处理"),
                self.tr("来源"),
            ]
        )
        self.rules.setObjectName("rules")
        self.rules.setMaximumHeight(150)
        rl.addWidget(self.rules)
        lay.addWidget(rules_box)

        run_box = QGroupBox(self.tr("试运行与清理"))
        vl = QVBoxLayout(run_box)
        bar = QHBoxLayout()
        self.dry_btn = QPushButton(self.tr("试运行（只统计，不删除）"))
        self.dry_btn.setObjectName("dry_run")
        self.dry_btn.clicked.connect(self.run_dry)
        self.apply_btn = QPushButton(self.tr("立即清理…"))
        self.apply_btn.setObjectName("apply")
        self.apply_btn.clicked.connect(self.run_apply)
        self.csv_btn = QPushButton(self.tr("保存清理报告（CSV）…"))
        self.csv_btn.clicked.connect(lambda: self.save_report("csv"))
        self.pdf_btn = QPushButton(self.tr("保存清理报告（PDF）…"))
        self.pdf_btn.clicked.connect(lambda: self.save_report("pdf"))
        # purchases are what the sweep counts: a POS file can be imported here too (not in the legal-hold box)
        self.import_btn = QPushButton(style.icon("import"), self.tr("导入收银系统文件…"))
        self.import_btn.clicked.connect(self.import_pos)
        for b in (self.dry_btn, self.apply_btn, self.import_btn):
            bar.addWidget(b)
        bar.addStretch(1)
        reports = QHBoxLayout()  # a row of its own: one row of five needs 1013 px in English (1366×768 at 125 %)
        for b in (self.csv_btn, self.pdf_btn):
            reports.addWidget(b)
        reports.addStretch(1)
        vl.addLayout(bar)
        vl.addLayout(reports)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        vl.addWidget(self.summary)
        self.result = _table(
            [
                self.tr("类别"),
                self.tr("规则"),
                self.tr("截止日期"),
                self.tr("到期"),
                self.tr("法律保全"),
                self.tr("已清理"),
                self.tr("最早日期"),
            ]
        )
        self.result.setObjectName("result")
        self.result.setMaximumHeight(150)
        vl.addWidget(self.result)
        self.last_run = QLabel()
        self.last_run.setObjectName("last_run")
        style.role(self.last_run, "hint")
        vl.addWidget(self.last_run)
        lay.addWidget(run_box)

        hold_box = QGroupBox(self.tr("法律保全"))
        hl = QVBoxLayout(hold_box)
        self.holds = _table([self.tr("对象"), self.tr("编号"), self.tr("案件或纠纷编号"), self.tr("设立时间")])
        self.holds.setObjectName("holds")
        hl.addWidget(self.holds, 1)
        hb = QHBoxLayout()
        self.hold_btn = QPushButton(self.tr("设立法律保全…"))
        self.hold_btn.clicked.connect(self.add_hold)
        self.release_btn = QPushButton(self.tr("解除选中的保全"))
        self.release_btn.clicked.connect(self.release_selected)
        hb.addWidget(self.hold_btn)
        hb.addWidget(self.release_btn)
        hb.addStretch(1)
        hl.addLayout(hb)
        lay.addWidget(hold_box, 1)
        self.error = QLabel()
        style.role(self.error, "error")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        self._hold_rows: list[dict] = []
        self.refresh()

    # -- display ---------------------------------------------------------------------------
    def _labels(self):
        return {
            "trigger": {
                "purchased": self.tr("交易完成"),
                "cancelled_or_last_purchase": self.tr("注销或最后一次消费（较晚者）"),
                "closed": self.tr("服务结束"),
                "business_done": self.tr("业务办结"),
            },
            "unit": {"days": self.tr("天"), "months": self.tr("个月"), "years": self.tr("年")},
            "action": {
                "delete": self.tr("删除"),
                "mask": self.tr("脱敏显示，原始号码删除"),
                "anonymise": self.tr("匿名化"),
            },
            "source": {"policy": self.tr("公司政策默认"), "head_office": self.tr("总部下发")},
            "category": {
                "purchase": self.tr("消费记录"),
                "member": self.tr("会员信息"),
                "service_record": self.tr("客户服务记录"),
                "id_number": self.tr("身份证号"),
            },
            "subject": {
                "member": self.tr("会员"),
                "purchase": self.tr("消费记录"),
                "service_record": self.tr("服务记录"),
            },
            "trigger_run": {"timer": self.tr("定时自动"), "admin": self.tr("管理命令"), "manual": self.tr("店长手动")},
        }

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        labels = self._labels()
        rules = get_rules(session.db)
        self.rules.setRowCount(len(rules))
        for r, cat in enumerate(c for c in ORDER if c in rules):
            rule = rules[cat]
            for col, text in enumerate(
                (
                    labels["category"][cat],
                    rule.rule_id,
                    labels["trigger"].get(rule.trigger_event, rule.trigger_event),
                    f"{rule.period_value} {labels['unit'][rule.period_unit]}",
                    labels["action"].get(rule.action, rule.action),
                    labels["source"].get(rule.source, rule.source),
                )
            ):
                self.rules.setItem(r, col, _ro(text))
        runs = list_runs(session.db, 20)
        applied = next((x for x in runs if x["mode"] == "apply" and x["result"].get("categories")), None)
        if applied:
            total = sum(c.get("purged", 0) for c in applied["result"]["categories"].values())
            self.last_run.setText(
                self.tr("上次清理：{when}({how})，共清理 {n} 条。").format(
                    when=(applied["finished_at"] or "")[:16].replace("T", " "),
                    how=labels["trigger_run"].get(applied["trigger"], applied["trigger"]),
                    n=total,
                )
            )
        else:
            self.last_run.setText(self.tr("尚未执行过清理。"))
        if self.last_result is None and runs and runs[0]["result"].get("categories"):
            self._show_result(runs[0]["result"], runs[0]["mode"])
        self._hold_rows = list_holds(session.db)
        self.holds.setRowCount(len(self._hold_rows))
        for r, h in enumerate(self._hold_rows):
            for col, text in enumerate(
                (
                    labels["subject"].get(h["subject_type"], h["subject_type"]),
                    self._subject_label(h),
                    h["case_ref"],
                    (h["placed_at"] or "")[:16].replace("T", " "),
                )
            ):
                self.holds.setItem(r, col, _ro(text))
        self.csv_btn.setEnabled(bool(self.last_result) or bool(runs))
        self.pdf_btn.setEnabled(bool(self.last_result) or bool(runs))

    def _subject_label(self, hold: dict) -> str:
        return subject_label(self.ctx.session.db, hold)

    def _show_result(self, result: dict, mode: str) -> None:
        self.last_result = result
        labels = self._labels()
        cats = result.get("categories", {})
        order = [c for c in ORDER if c in cats]
        self.result.setRowCount(len(order))
        due_total = 0
        for r, cat in enumerate(order):
            c = cats[cat]
            due_total += c["due"]
            purged = str(c.get("purged", 0)) if mode == "apply" else "—"
            cells = (
                labels["category"][cat],
                c["rule"],
                c["cutoff"],
                str(c["due"]),
                str(c["held"]),
                purged,
                c.get("oldest") or "—",
            )
            for col, text in enumerate(cells):
                item = _ro(text)
                if col == 3 and c["due"] and mode == "dry_run":
                    item.setForeground(Qt.GlobalColor.darkRed)
                if col == 4 and c["held"]:
                    item.setForeground(Qt.GlobalColor.darkYellow)
                self.result.setItem(r, col, item)
        if mode == "dry_run":
            self.summary.setText(
                self.tr("试运行(截至 {d}):共 {n} 条已到保存期限，尚未删除。").format(
                    d=result.get("as_of", ""), n=due_total
                )
                if due_total
                else self.tr("试运行(截至 {d}):没有到期的记录。").format(d=result.get("as_of", ""))
            )
        else:
            self.summary.setText(
                self.tr("清理完成(截至 {d}):共清理 {n} 条。").format(
                    d=result.get("as_of", ""), n=sum(c.get("purged", 0) for c in cats.values())
                )
            )
        self.summary.setText(self.summary.text() + self._waiting_text(result))

    def _waiting_text(self, result: dict) -> str:
        """What waits for RET-4 besides the table (issue #16): ID numbers reaching their maximum age, and
        unredacted or held scan pages with their next delete-by date."""
        ids, scans = result.get("id_numbers") or {}, result.get("scans") or {}
        parts = []
        if ids.get("overdue") or ids.get("due_soon") or ids.get("masked"):
            parts.append(
                self.tr(
                    "身份证号：{o} 个已超过最长保存期限（{d} 天）待打码，{s} 个将在两周内到期，本次已打码 {m} 个。"
                ).format(
                    o=ids.get("overdue", 0), d=ids.get("max_days", ""), s=ids.get("due_soon", 0), m=ids.get("masked", 0)
                )
            )
        if scans.get("unredacted") or scans.get("held"):
            parts.append(
                self.tr("扫描件：未涂黑原页 {u} 页、暂存表格页 {h} 页加密保存，最早删除日期 {n}。").format(
                    u=scans.get("unredacted", 0),
                    h=scans.get("held", 0),
                    n=min((x for x in (scans.get("unredacted_next"), scans.get("held_next")) if x), default="—"),
                )
            )
        return "".join("\n" + p for p in parts)

    # -- actions ---------------------------------------------------------------------------
    def run_dry(self) -> None:
        session = self.ctx.manager_session(self, self.tr("试运行保存期限清理"))
        if session is None:
            return
        self.error.clear()
        job = self.ctx.background_session(session)
        self.ctx.run_task(
            lambda: dry_run(job), lambda res: (self._show_result(res, "dry_run"), self.refresh()), self._failed
        )

    def run_apply(self) -> None:
        session = self.ctx.manager_session(self, self.tr("执行保存期限清理"))
        if session is None:
            return
        if not messagebox.question(
            self,
            self.tr("立即清理"),
            self.tr("将永久删除所有已超过保存期限的记录（法律保全中的除外），删除后无法恢复。是否继续？"),
        ):
            return
        self.error.clear()
        ledger = self.ctx.paths.erasure_ledger
        job, cipher = self.ctx.background_session(session), cipher_for(self.ctx.vault)
        self.ctx.run_task(
            lambda: apply_sweep(job, ledger_path=ledger, cipher=cipher),
            lambda res: (self._show_result(res, "apply"), self.refresh()),
            self._failed,
        )

    def _failed(self, exc) -> None:
        self.ctx.show_error(self, exc, self.error)

    def _latest_run(self) -> dict | None:
        runs = list_runs(self.ctx.session.db, 20)
        rid = (self.last_result or {}).get("run_id")
        return next((r for r in runs if r["id"] == rid), runs[0] if runs else None)

    def save_report(self, kind: str, path: str | None = None) -> None:
        run = self._latest_run()
        if run is None:
            return
        if path is None:
            flt = self.tr("CSV 文件 (*.csv)") if kind == "csv" else self.tr("PDF 文件 (*.pdf)")
            path, _ = QFileDialog.getSaveFileName(
                self, self.tr("保存清理报告"), f"retention-report-{run['id']}.{kind}", flt
            )
            if not path:
                return
        try:
            if kind == "csv":
                data = purge_report_csv(run)
            else:
                from app.config import read_terminal
                from app.printing.letter_layout import StoreInfo

                term = read_terminal(self.ctx.paths)
                session = self.ctx.session
                data = purge_report_pdf(
                    run,
                    StoreInfo(code=session.store_code, name=term.get("store_name") or session.store_code),
                    staff_name=session.staff.display_name,
                )
            Path(path).write_bytes(data)
        except OSError:
            self.error.setText(self.tr("报告未能保存，请选择其他位置。"))
            return
        self.error.setText("")
        self.summary.setText(self.tr("清理报告已保存。"))

    def add_hold(self) -> None:
        session = self.ctx.manager_session(self, self.tr("设立法律保全"))
        if session is None:
            return
        dlg = LegalHoldDialog(self)
        if not dlg.exec():
            return
        kind, subject, case_ref = dlg.values()
        try:
            place_hold(session, kind, resolve_subject(session.db, kind, subject, session.store_code), case_ref)
        except Exception as exc:  # noqa: BLE001 - shown as a message
            self._failed(exc)
            return
        self.error.clear()
        self.refresh()

    def release_selected(self) -> None:
        row = self.holds.currentRow()
        if row < 0 or row >= len(self._hold_rows):
            return
        session = self.ctx.manager_session(self, self.tr("解除法律保全"))
        if session is None:
            return
        if not messagebox.question(
            self, self.tr("解除法律保全"), self.tr("解除后，已超过保存期限的记录会在下次清理时删除。是否解除？")
        ):
            return
        try:
            release_hold(session, self._hold_rows[row]["id"])
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)
            return
        self.refresh()

    def import_pos(self, path: str | None = None) -> None:
        from ui.dialogs.record_purchase_dialog import import_pos_with_report

        import_pos_with_report(self.ctx, self, path)

    def clear(self) -> None:
        self.last_result = None
        self.result.setRowCount(0)
        self.holds.setRowCount(0)
        self.summary.clear()
        self.error.clear()


register_page(PageSpec("retention", "保存期限", RetentionPage, order=70, manager_only=True))
