"""会员： find a member (mobile, last 4 digits, member number, name, or a member card scanned with a
keyboard-wedge scanner: member number + Enter), open the member, or register a new one. A full mobile with no
local match can be looked up at head office (issue #18): the action 向总部查询 shows a match card the clerk checks
with the customer, and 顾客在场，确认 takes the member on at this store (app.flows.adoption) and opens it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.flows.adoption import adopt_member
from app.members.records import MobileExists
from app.members.search import classify, search_members
from app.notices import current_notice
from app.sync.chain import lookup_by_mobile
from ui import style
from ui.pages.registry import PageSpec, register_page
from ui.widgets.chain_match_card import ChainMatchCard


class MembersPage(QWidget):
    def __init__(self, ctx, parent=None, *, engine_factory=None):
        super().__init__(parent)
        self.ctx = ctx
        self.engine_factory = engine_factory  # tests: the sync engine to head office (default: the store's own)
        self.detail = None
        self._chain_mobile = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 24, 24, 24)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("member_search")
        self.search.setPlaceholderText(self.tr("手机号 / 手机尾号 4 位 / 会员号 / 姓名，或扫描会员卡"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumHeight(36)
        self.search.setToolTip(self.tr("查找会员") + f" ({style.shortcut_text('search')})")
        self.find_btn = QPushButton(style.icon("search"), self.tr("查找"))
        self.find_btn.setToolTip(self.tr("查找会员") + f" (Enter, {style.shortcut_text('search')})")
        # the shortcut on the button itself: a clerk learns it by reading, not by hovering
        self.register_btn = QPushButton(
            style.icon("register", "accent"), self.tr("登记会员") + f" ({style.shortcut_text('register')})"
        )
        self.register_btn.setToolTip(self.tr("登记会员") + f" ({style.shortcut_text('register')})")
        self.register_btn.setObjectName("register_member")
        row.addWidget(self.search, 1)
        row.addWidget(self.find_btn)
        row.addWidget(self.register_btn)
        lay.addLayout(row)
        self.status = QLabel()
        style.role(self.status, "hint")
        lay.addWidget(self.status)
        self.chain_btn = QPushButton(style.icon("search"), self.tr("向总部查询"))
        self.chain_btn.setObjectName("chain_lookup")
        self.chain_btn.setToolTip(self.tr("顾客可能在其他门店登记过：按手机号向总部查询（顾客须在场）"))
        self.chain_btn.hide()
        chain_row = QHBoxLayout()
        chain_row.addWidget(self.chain_btn)
        chain_row.addStretch(1)
        lay.addLayout(chain_row)
        self.card = ChainMatchCard(self)
        lay.addWidget(self.card)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [self.tr("会员号"), self.tr("姓名"), self.tr("手机号"), self.tr("状态"), self.tr("登记日期")]
        )
        style.setup_table(self.table, stretch=1)
        lay.addWidget(self.table, 1)
        self.search.returnPressed.connect(self.run_search)
        self.find_btn.clicked.connect(self.run_search)
        self.register_btn.clicked.connect(self.register_member)
        self.chain_btn.clicked.connect(self.lookup_at_head_office)
        self.card.confirmed.connect(self.adopt)
        self.card.cancelled.connect(self._reset_chain)
        self.table.itemActivated.connect(lambda item: self.open_member(self.table.item(item.row(), 0).data(256)))
        self.table.cellDoubleClicked.connect(lambda r, c: self.open_member(self.table.item(r, 0).data(256)))
        self.hits = ()

    # -- page hooks --------------------------------------------------------------------
    def refresh(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def showEvent(self, e):  # noqa: N802
        super().showEvent(e)
        self.search.setFocus()

    def clear(self) -> None:
        self.search.clear()
        self.table.setRowCount(0)
        self.status.clear()
        self.hits = ()
        self._reset_chain()
        if self.detail is not None:
            self.detail.reject()

    # -- actions -----------------------------------------------------------------------
    def run_search(self) -> None:
        if self.ctx.session is None:
            return
        text = self.search.text()
        kind, value = classify(text)
        self._reset_chain()
        try:
            res = search_members(self.ctx.session, text)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.status)
            return
        self.hits = res.hits
        self._fill(res)
        if kind == "mobile" and not res.hits:  # maybe registered at another store (issue #18)
            self._chain_mobile = value
            self.chain_btn.show()
            self.status.setText(
                self.tr("本店没有该手机号的会员。顾客可能在其他门店登记过：可以“向总部查询”，或点击“登记会员”。")
            )
        if kind == "member_no" and len(res.hits) == 1:  # a scanned member card opens the member
            self.search.clear()
            self.open_member(res.hits[0].id)

    def _fill(self, res) -> None:
        status_text = {"active": self.tr("正常"), "cancelled": self.tr("已注销"), "erased": self.tr("已删除")}
        self.table.setRowCount(len(res.hits))
        for r, h in enumerate(res.hits):
            status = status_text.get(h.status, h.status)
            if h.restricted:
                status += " · " + self.tr("限制处理")
            if h.reconsent_needed:
                status += " · " + self.tr("需重新同意")
            cells = [h.member_no, h.name_masked, h.mobile_masked, status, h.registered_at[:10]]
            for c, v in enumerate(cells):
                item = QTableWidgetItem(v)
                if c == 0:
                    item.setData(256, h.id)
                self.table.setItem(r, c, item)
        if res.kind == "invalid":
            self.status.setText(self.tr("请输入手机号、手机尾号 4 位、会员号或姓名。"))
        elif res.kind == "empty":
            self.status.setText("")
        elif not res.hits:
            self.status.setText(self.tr("没有找到会员。可以点击“登记会员”为顾客办理。"))
        else:
            more = self.tr("，结果较多，请输入更完整的信息") if res.truncated else ""
            self.status.setText(self.tr("找到 {n} 位会员").replace("{n}", str(len(res.hits))) + more)
        if res.hits:
            self.table.selectRow(0)

    # -- the chain (issue #18) ----------------------------------------------------------
    def _engine(self):
        return self.engine_factory() if self.engine_factory is not None else None

    def _reset_chain(self) -> None:
        self._chain_mobile = ""
        self.chain_btn.hide()
        self.card.clear()

    def lookup_at_head_office(self) -> None:
        session, mobile = self.ctx.session, self._chain_mobile
        if session is None or not mobile:
            return
        self.chain_btn.setEnabled(False)
        self.status.setText(self.tr("正在向总部查询…"))

        def done(match) -> None:
            self.chain_btn.setEnabled(True)
            if match is None:
                self.status.setText(self.tr("总部也没有该手机号的会员。可以点击“登记会员”为顾客办理。"))
                return
            self.chain_btn.hide()
            self.status.setText(self.tr("请与顾客核对姓名和会员号。"))
            self.card.show_match(match, self._purpose_titles())

        def failed(exc) -> None:
            self.chain_btn.setEnabled(True)
            self.ctx.show_error(self, exc, self.status)  # offline: says so and offers local registration

        self.ctx.run_task(lambda: lookup_by_mobile(session, mobile, engine=self._engine()), done, failed)

    def _purpose_titles(self) -> dict[str, str]:
        session = self.ctx.session
        if session is None:
            return {}
        notice = current_notice(session.db, self.ctx.lang, session.clock.now().date().isoformat())
        return {p.code: p.title for p in notice.purposes}

    def adopt(self, member_id: str) -> None:
        session = self.ctx.session
        if session is None or not member_id:
            return
        self.card.confirm_btn.setEnabled(False)

        def done(result) -> None:
            self.card.confirm_btn.setEnabled(True)
            self._reset_chain()
            self.search.clear()
            self.status.setText(self.tr("已在本店接收该会员。"))
            self.open_member(result["id"])

        def failed(exc) -> None:
            self.card.confirm_btn.setEnabled(True)
            if isinstance(exc, MobileExists):
                self._reset_chain()
                self.open_member(exc.member_id)
                return
            self.ctx.show_error(self, exc, self.status)

        self.ctx.run_task(lambda: adopt_member(session, member_id, engine=self._engine()), done, failed)

    def open_member(self, member_id: str | None) -> None:
        if not member_id or self.ctx.session is None:
            return
        from ui.dialogs.member_detail_dialog import MemberDetailDialog

        try:
            dlg = MemberDetailDialog(self.ctx, member_id, self)
        except UserError as exc:
            self.ctx.show_error(self, exc)
            return
        self.detail = dlg
        dlg.exec()
        self.detail = None
        self.search.setFocus()

    def register_member(self) -> None:
        if self.ctx.session is None:
            return
        from ui.dialogs.register_member_dialog import RegisterMemberDialog

        dlg = RegisterMemberDialog(self.ctx, self)
        opened = []
        dlg.member_registered.connect(opened.append)
        dlg.open_existing.connect(opened.append)
        self.detail = dlg
        dlg.exec()
        self.detail = None
        if opened:
            self.open_member(opened[0])


register_page(PageSpec("members", "会员", MembersPage, order=10))
