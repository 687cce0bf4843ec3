"""Settings: language, idle lock, backups, the POS export folder, audit check, staff accounts (manager),
own password."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.access import backup
from app.audit import chain
from app.config import write_terminal
from app.errors import UserError
from app.settings import get_setting, set_setting
from app.staff import service as staff_service
from ui import messagebox, style
from ui.dialogs.add_staff_dialog import AddStaffDialog
from ui.dialogs.evidence_pack_dialog import EvidencePackDialog
from ui.i18n import LANGUAGES
from ui.pages.registry import PageSpec, register_page
from ui.widgets.dialog_parts import error_label, ok_cancel


class SettingsPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(24, 16, 24, 16)
        manager = ctx.session.staff.is_manager

        general = QGroupBox(self.tr("常规"))
        form = QFormLayout(general)
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(ctx.vault.terminal().get("language", "zh_CN"))))
        self.language.currentIndexChanged.connect(self._language_changed)
        form.addRow(self.tr("界面语言（重启后生效）"), self.language)
        self.idle = QSpinBox()
        self.idle.setRange(1, 60)
        self.idle.setSuffix(self.tr(" 分钟"))
        self.idle.setValue(int(get_setting(ctx.db, "idle_lock_minutes", 5)))
        self.idle.setEnabled(manager)
        self.idle.editingFinished.connect(lambda: self._save("idle_lock_minutes", self.idle.value()))
        form.addRow(self.tr("无操作自动锁定"), self.idle)
        self.keep = QSpinBox()
        self.keep.setRange(1, 365)
        self.keep.setValue(int(get_setting(ctx.db, "backup_keep", 14)))
        self.keep.setEnabled(manager)
        self.keep.editingFinished.connect(lambda: self._save("backup_keep", self.keep.value()))
        form.addRow(self.tr("保留备份份数"), self.keep)
        font_row = QHBoxLayout()
        self.font_label = QLabel()
        self.font_label.setWordWrap(True)
        font_row.addWidget(self.font_label, 1)
        font_button = QPushButton(self.tr("选择字体文件…"))
        font_button.setEnabled(manager)
        font_button.clicked.connect(self._choose_font)
        font_row.addWidget(font_button)
        form.addRow(self.tr("打印用中文字体"), font_row)
        self.receipt_printer = QLineEdit(str(get_setting(ctx.db, "receipt_printer", "") or ""))
        self.receipt_printer.setObjectName("receipt_printer")
        self.receipt_printer.setPlaceholderText(self.tr("例如 192.168.1.50:9100；留空：用普通打印机打印回执"))
        self.receipt_printer.setEnabled(manager)
        self.receipt_printer.editingFinished.connect(self.save_receipt_printer)
        form.addRow(self.tr("小票打印机（80 毫米）"), self.receipt_printer)
        self.receipt_note = error_label()
        form.addRow(self.receipt_note)
        lay.addWidget(general)

        pos = QGroupBox(self.tr("收银数据"))
        pform = QFormLayout(pos)
        prow = QHBoxLayout()
        self.pos_folder = QLineEdit(str(get_setting(ctx.db, "pos_export_folder", "") or ""))
        self.pos_folder.setObjectName("pos_export_folder")
        self.pos_folder.setPlaceholderText(self.tr("留空：不自动导入"))
        self.pos_folder.setEnabled(manager)
        self.pos_folder.returnPressed.connect(self.save_pos_folder)
        prow.addWidget(self.pos_folder, 1)
        choose = QPushButton(self.tr("选择文件夹…"))
        choose.setEnabled(manager)
        choose.clicked.connect(self._choose_pos_folder)
        prow.addWidget(choose)
        self.pos_save = QPushButton(self.tr("保存"))
        self.pos_save.setEnabled(manager)
        self.pos_save.clicked.connect(self.save_pos_folder)
        prow.addWidget(self.pos_save)
        pform.addRow(self.tr("收银系统导出文件夹"), prow)
        self.pos_hint = QLabel(
            self.tr(
                "收银系统把导出文件存放在这个文件夹时，MemberDesk 每隔几分钟导入新文件（只读取，不移动也不删除）。"
                "留空则不自动导入，店员可在首页手动导入。"
            )
        )
        self.pos_hint.setWordWrap(True)
        style.role(self.pos_hint, "hint")
        pform.addRow(self.pos_hint)
        self.pos_note = error_label()
        self.pos_note.setObjectName("pos_folder_note")
        pform.addRow(self.pos_note)
        lay.addWidget(pos)

        own = QGroupBox(self.tr("我的账户"))
        row = QHBoxLayout(own)
        change = QPushButton(self.tr("修改密码…"))
        change.clicked.connect(self._change_password)
        row.addWidget(change)
        row.addStretch(1)
        lay.addWidget(own)

        data = QGroupBox(self.tr("备份与审计日志"))
        dl = QVBoxLayout(data)
        self.backup_info = QLabel()
        dl.addWidget(self.backup_info)
        brow = QHBoxLayout()
        self.backup_button = QPushButton(self.tr("立即备份"))
        self.backup_button.clicked.connect(self._backup_now)
        brow.addWidget(self.backup_button)
        self.verify_button = QPushButton(self.tr("校验审计日志"))
        self.verify_button.setEnabled(manager)
        self.verify_button.clicked.connect(self._verify_audit)
        brow.addWidget(self.verify_button)
        self.evidence_button = QPushButton(self.tr("证据包…"))  # the store's evidence pack (issue #19), manager
        self.evidence_button.clicked.connect(self._evidence_pack)
        brow.addWidget(self.evidence_button)
        brow.addStretch(1)
        dl.addLayout(brow)
        lay.addWidget(data)

        if manager:
            staff = QGroupBox(self.tr("员工账户"))
            sl = QVBoxLayout(staff)
            self.staff_table = QTableWidget(0, 4)
            self.staff_table.setHorizontalHeaderLabels(
                [self.tr("姓名"), self.tr("用户名"), self.tr("角色"), self.tr("状态")]
            )
            style.setup_table(self.staff_table, stretch=0)
            self.staff_table.setMinimumHeight(180)
            sl.addWidget(self.staff_table)
            # the actions on the selected row: under the table, wrapping to a second line rather than cut
            srow = QGridLayout()
            for i, (text, icon, slot) in enumerate(
                (
                    (self.tr("添加员工…"), "add", self._add_staff),
                    (self.tr("停用/启用"), "mdi6.account-cancel-outline", self._toggle_staff),
                    (self.tr("重设密码…"), "mdi6.lock-reset", self._reset_staff),
                    (self.tr("删除账户"), "mdi6.account-remove-outline", self._remove_staff),
                )
            ):
                b = QPushButton(style.icon(icon), text)
                b.clicked.connect(slot)
                srow.addWidget(b, i // 2, i % 2)
            srow.setColumnStretch(2, 1)
            sl.addLayout(srow)
            lay.addWidget(staff)
        lay.addStretch(1)
        self.refresh()

    # -- refresh -----------------------------------------------------------------------
    def refresh(self) -> None:
        if self.ctx.session is None:
            return
        last = backup.last_backup_time(self.ctx.paths)
        count = len(backup.list_backups(self.ctx.paths))
        when = last.astimezone().strftime("%Y-%m-%d %H:%M") if last else self.tr("从未")
        self.backup_info.setText(
            self.tr("上次备份：")
            + when
            + "    "
            + self.tr("备份份数：")
            + str(count)
            + "\n"
            + self.tr("备份位置：")
            + str(self.ctx.paths.backup_dir)
        )
        self._show_font()
        if hasattr(self, "staff_table"):
            rows = staff_service.list_staff(self.ctx.session)
            self._staff_rows = rows
            self.staff_table.setRowCount(len(rows))
            for i, r in enumerate(rows):
                values = [
                    r["display_name"],
                    r["username"],
                    self.tr("店长") if r["role"] == "manager" else self.tr("店员"),
                    self.tr("已停用") if r["disabled"] else self.tr("正常"),
                ]
                for j, v in enumerate(values):
                    self.staff_table.setItem(i, j, QTableWidgetItem(v))

    # -- actions -------------------------------------------------------------------------
    def _save(self, key, value) -> None:
        try:
            set_setting(self.ctx.session, key, value)
        except UserError as exc:
            self.ctx.show_error(self, exc)

    def _show_font(self) -> None:
        try:
            from app.printing.fonts import font_for_db

            choice = font_for_db(self.ctx.db)
        except Exception:  # noqa: BLE001 - the settings page must open even without fonts
            self.font_label.setText(self.tr("未知"))
            return
        if choice.fallback:
            self.font_label.setText(
                self.tr(
                    "未找到可嵌入的中文字体，打印时使用备用字体 STSong-Light（由打印机或阅读器替换）。"
                    "请安装文泉驿微米黑或黑体，或选择字体文件。"
                )
            )
            style.role(self.font_label, "warn")
        else:
            text = choice.label_in(self.ctx.lang)  # the English interface names the font in English (issue #20)
            if choice.configured_failed:
                text += self.tr("（所选字体文件不可用，已自动改用系统字体）")
            self.font_label.setText(text)
            style.role(self.font_label, "")

    def _choose_font(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择 TrueType 中文字体"), "", self.tr("TrueType 字体 (*.ttf *.ttc)")
        )
        if path:
            self._save("font_path", path)
            self._show_font()

    def save_receipt_printer(self) -> bool:
        """Store the receipt printer's address (empty = none: receipts print as PDF on the office printer)."""
        try:
            set_setting(self.ctx.session, "receipt_printer", self.receipt_printer.text())
        except UserError as exc:
            style.role(self.receipt_note, "error")
            self.ctx.show_error(self, exc, self.receipt_note)
            return False
        self.receipt_printer.setText(str(get_setting(self.ctx.db, "receipt_printer", "") or ""))
        style.role(self.receipt_note, "ok")
        self.receipt_note.setText(self.tr("已保存。") if self.receipt_printer.text() else "")
        return True

    def save_pos_folder(self) -> bool:
        """Store the POS export folder (empty = off); an unusable folder is refused with the reason."""
        try:
            set_setting(self.ctx.session, "pos_export_folder", self.pos_folder.text())
        except UserError as exc:
            style.role(self.pos_note, "error")
            self.ctx.show_error(self, exc, self.pos_note)
            return False
        folder = str(get_setting(self.ctx.db, "pos_export_folder", "") or "")
        self.pos_folder.setText(folder)
        style.role(self.pos_note, "ok")
        self.pos_note.setText(
            self.tr("已保存，正在导入文件夹中的新文件。") if folder else self.tr("已保存：不自动导入收银数据。")
        )
        self.ctx.jobs.run_now("pos_folder")  # the first import now, not in a few minutes
        return True

    def _choose_pos_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(
            self, self.tr("选择收银系统存放导出文件的文件夹"), self.pos_folder.text()
        )
        if folder:
            self.pos_folder.setText(folder)
            self.save_pos_folder()

    def _language_changed(self) -> None:
        write_terminal(self.ctx.paths, language=self.language.currentData())
        messagebox.information(self, self.tr("界面语言"), self.tr("界面语言将在下次启动时切换。"))

    def _change_password(self) -> None:
        from ui.dialogs.change_password_dialog import ChangePasswordDialog

        if ChangePasswordDialog(self.ctx, self).exec():
            messagebox.information(self, self.tr("修改密码"), self.tr("密码已修改。"))

    def _backup_now(self) -> None:
        self.backup_button.setEnabled(False)
        session = self.ctx.session

        def done(path):
            self.backup_button.setEnabled(True)
            self.refresh()
            messagebox.information(self, self.tr("备份"), self.tr("备份已完成：") + path.name)

        def failed(exc):
            self.backup_button.setEnabled(True)
            self.ctx.show_error(self, exc)

        job = self.ctx.background_session(session)
        self.ctx.run_task(lambda: backup.create_backup(self.ctx.vault, job), done, failed)

    def _verify_audit(self) -> None:
        result = chain.verify(self.ctx.db)
        if result.ok:
            messagebox.information(
                self, self.tr("审计日志"), self.tr("审计日志完整，共 %n 条记录。").replace("%n", str(result.entries))
            )
        else:
            self.ctx.show_error(self, UserError("audit.broken", seq=result.first_broken), title=self.tr("审计日志"))

    def _evidence_pack(self) -> None:
        session = self.ctx.manager_session(self, self.tr("证据包"))
        if session is not None:
            EvidencePackDialog(self.ctx, session, self).exec()

    def _selected_staff(self):
        row = self.staff_table.currentRow()
        return self._staff_rows[row] if 0 <= row < len(getattr(self, "_staff_rows", [])) else None

    def _add_staff(self) -> None:
        if AddStaffDialog(self.ctx, self).exec():
            self.refresh()

    def _ask_password(self, title: str) -> str | None:
        dlg = QDialog(self)
        dlg.setWindowTitle(title)
        lay = QFormLayout(dlg)
        pw = QLineEdit()
        pw.setEchoMode(QLineEdit.EchoMode.Password)
        lay.addRow(self.tr("临时密码"), pw)
        buttons = ok_cancel(dlg, self.tr("确定"), dlg.accept, self.tr("取消"))
        lay.addRow(buttons)
        ok = dlg.exec()
        value = pw.text()
        pw.clear()
        return value if ok else None

    def _toggle_staff(self) -> None:
        r = self._selected_staff()
        if not r:
            return
        try:
            if r["disabled"]:
                pw = self._ask_password(self.tr("启用账户并设置临时密码"))
                if pw is None:
                    return
                staff_service.set_disabled(self.ctx.vault, self.ctx.session, r["id"], False, password=pw)
            else:
                staff_service.set_disabled(self.ctx.vault, self.ctx.session, r["id"], True)
        except UserError as exc:
            self.ctx.show_error(self, exc)
        self.refresh()

    def _reset_staff(self) -> None:
        r = self._selected_staff()
        if not r:
            return
        pw = self._ask_password(self.tr("重设密码"))
        if pw is None:
            return
        try:
            staff_service.reset_password(self.ctx.vault, self.ctx.session, r["id"], pw)
        except UserError as exc:
            self.ctx.show_error(self, exc)
        self.refresh()

    def _remove_staff(self) -> None:
        r = self._selected_staff()
        if not r or not messagebox.question(
            self, self.tr("删除账户"), self.tr("确定删除该员工账户吗？审计日志中的记录会保留。")
        ):
            return
        try:
            staff_service.remove_staff(self.ctx.vault, self.ctx.session, r["id"])
        except UserError as exc:
            self.ctx.show_error(self, exc)
        self.refresh()


register_page(PageSpec("settings", "设置", SettingsPage, order=90))
