"""Demo mode in the window: a banner that never goes away and the demo accounts on the sign-in screen."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFrame, QLabel

from ui import style


def demo_banner_text() -> str:
    return QCoreApplication.translate("DemoMode", "演示模式 — 数据均为虚构")


def install_demo_ui(window, demo) -> None:
    """Put the banner above everything (sign-in screen and pages) and list the demo accounts on sign-in."""
    banner = QLabel(demo_banner_text() + "  ·  " + QCoreApplication.translate("DemoMode", "退出后所有演示数据将被删除"))
    banner.setObjectName("demoBanner")
    banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
    banner.setMinimumHeight(36)
    # look: QLabel#demoBanner in memberdesk.qss
    window.setMenuWidget(banner)
    window.setWindowTitle(window.windowTitle() + " — " + demo_banner_text())
    accounts = demo.accounts
    m_user, m_pw, _ = accounts["manager"]
    c_user, c_pw, _ = accounts["clerk"]
    info = QLabel(
        "\n".join(
            [
                QCoreApplication.translate("DemoMode", "演示账户（仅用于演示）："),
                QCoreApplication.translate("DemoMode", "店长：{0}，密码：{1}").format(m_user, m_pw),
                QCoreApplication.translate("DemoMode", "店员：{0}，密码：{1}").format(c_user, c_pw),
            ]
        )
    )
    info.setObjectName("demoAccounts")
    info.setWordWrap(True)
    info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    style.role(info, "banner")
    card = window.sign_in.findChild(QFrame, "signInCard")
    if card is not None and card.layout() is not None:
        card.layout().insertWidget(2, info)
    else:  # the sign-in layout changed: still show the accounts
        window.sign_in.layout().insertWidget(0, info)
    window.sign_in.username.setText(c_user)
