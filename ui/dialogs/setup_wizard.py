"""First-run wizard: store, terminal, the first manager, and the recovery key shown and printed once."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWizard, QWizardPage

from app.errors import UserError, ValidationError
from app.printing.recovery_sheet import render_recovery_sheet
from ui import style
from ui.dialogs.print_preview_dialog import PrintPreviewDialog


class _StorePage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle(self.tr("门店与终端"))
        self.setSubTitle(self.tr("请填写本门店和这台电脑（终端）的信息。门店编码由总部提供。"))
        form = QFormLayout(self)
        self.store_code = QLineEdit()
        self.store_code.setPlaceholderText("SH-001")
        self.store_name = QLineEdit()
        self.store_name.setPlaceholderText(self.tr("例如：上海南京路店"))
        self.terminal = QLineEdit("DESK-1")
        form.addRow(self.tr("门店编码"), self.store_code)
        form.addRow(self.tr("门店名称"), self.store_name)
        form.addRow(self.tr("终端名称"), self.terminal)
        self.registerField("store_code*", self.store_code)
        self.registerField("store_name*", self.store_name)
        self.registerField("terminal*", self.terminal)


class _ManagerPage(QWizardPage):
    def __init__(self, wizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("第一位店长账户"))
        self.setSubTitle(self.tr("每位员工使用自己的账户登录，不共用密码。密码至少 8 位。"))
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.display = QLineEdit()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("姓名"), self.display)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        form.addRow(self.tr("确认密码"), self.password2)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        style.role(self.error, "error")
        lay.addWidget(self.error)
        for w in (self.display, self.username, self.password, self.password2):
            w.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:  # noqa: N802
        return all(w.text() for w in (self.display, self.username, self.password, self.password2))

    def validatePage(self) -> bool:  # noqa: N802 - creating the store happens here
        if self.password.text() != self.password2.text():
            self.error.setText(self.tr("两次输入的密码不一致。"))
            return False
        try:
            session, recovery = self.wiz.ctx.vault.setup(
                store_code=self.field("store_code"),
                store_name=self.field("store_name"),
                terminal_name=self.field("terminal"),
                username=self.username.text(),
                display_name=self.display.text(),
                password=self.password.text(),
            )
        except ValidationError as exc:
            self.wiz.ctx.show_error(self, exc, self.error)
            return False
        except UserError as exc:
            self.wiz.ctx.show_error(self, exc, self.error)
            return False
        self.password.clear()
        self.password2.clear()
        self.wiz.session = session
        self.wiz.recovery_key = recovery
        return True


class _RecoveryPage(QWizardPage):
    def __init__(self, wizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("恢复密钥"))
        self.setSubTitle(self.tr("忘记密码或需要恢复数据时使用。它只显示这一次：请打印并锁入带锁文件柜。"))
        lay = QVBoxLayout(self)
        self.key = QLabel()
        f = QFont("monospace")
        f.setPointSize(14)
        self.key.setFont(f)
        self.key.setWordWrap(True)
        self.key.setObjectName("recoveryKey")
        style.role(self.key, "key")
        lay.addWidget(self.key)
        self.print_button = QPushButton(self.tr("打印恢复密钥页…"))
        self.print_button.clicked.connect(self.print_sheet)
        lay.addWidget(self.print_button)
        self.confirm = QCheckBox(self.tr("我已打印或抄写恢复密钥，并妥善保管。"))
        self.confirm.toggled.connect(self.completeChanged)
        lay.addWidget(self.confirm)
        lay.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        self.key.setText(self.wiz.recovery_key or "")

    def isComplete(self) -> bool:  # noqa: N802
        return self.confirm.isChecked()

    def print_sheet(self) -> None:
        term = self.wiz.ctx.vault.terminal()
        pdf = render_recovery_sheet(
            recovery_key=self.wiz.recovery_key,
            store_code=term["store_code"],
            store_name=term["store_name"],
            created=self.wiz.session.clock.now().strftime("%Y-%m-%d"),
        )
        PrintPreviewDialog(pdf, self.tr("恢复密钥页"), self).exec()


class SetupWizard(QWizard):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.session = None
        self.recovery_key = None
        self.setWindowTitle(self.tr("MemberDesk 首次设置"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("上一步"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.addPage(_StorePage())
        self.addPage(_ManagerPage(self))
        self.addPage(_RecoveryPage(self))
        self.resize(640, 480)

    def done(self, result):
        # The recovery key leaves memory once the wizard closes.
        self.recovery_key = None
        super().done(result)
