"""The request detail's part for a customer this store does not hold (issue #18): what the request shows of the
customer and the lookup's answer, and the steps: ask head office, confirm and take the member on (customer
present), link the member held here, close as "no member". The rules and the data are app.requests.unknown's;
this module only shows them and calls it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.flows.adoption import adopt_member
from app.members.service import cipher_for
from app.requests import unknown
from app.sync import SyncEngine
from ui import messagebox

KEYS = ("lookup", "adopt", "attach", "no_member")


def button_texts() -> dict[str, str]:
    return {
        "lookup": QCoreApplication.translate("RequestUnknown", "向总部查询"),
        "adopt": QCoreApplication.translate("RequestUnknown", "确认并接收会员"),
        "attach": QCoreApplication.translate("RequestUnknown", "关联本店会员"),
        "no_member": QCoreApplication.translate("RequestUnknown", "告知无会员并办结"),
    }


def member_text(cust: dict, lang: str) -> str:
    """The 会员号 line of a request whose customer is not held here."""
    state = cust["state_label"][0 if lang.startswith("zh") else 1]
    who = f"{cust['name_masked']}  {cust['mobile_masked']}".strip()
    line = QCoreApplication.translate("RequestUnknown", "本店无此顾客") + (f"（{who}）" if who else "") + " · " + state
    if cust["state"] in ("found", "found_local"):
        found = f"{cust['match_member_no']}  {cust['match_name_masked']}"
        if cust["match_home_store"]:
            found += "  " + QCoreApplication.translate("RequestUnknown", "登记门店 ") + cust["match_home_store"]
        line += (
            "\n"
            + QCoreApplication.translate("RequestUnknown", "查询结果：")
            + found
            + "  "
            + QCoreApplication.translate("RequestUnknown", "（请与顾客核对）")
        )
    return line


def shown(cust: dict | None, status: str) -> dict[str, bool]:
    is_open = status in ("received", "verified", "in_progress", "paused")
    state = cust["state"] if cust else ""
    return {
        "lookup": is_open and state in ("queued", "found", "found_local", "no_member"),
        "adopt": is_open and state == "found",
        "attach": is_open and state == "found_local",
        "no_member": is_open and state == "no_member",
    }


def act(detail, key: str) -> bool:
    """Carry out one step for the request shown in `detail` (a RequestDetail). Errors go to its caller."""
    ctx, rid = detail.ctx, detail.request_id
    engine = detail.engine_factory() if detail.engine_factory else SyncEngine.for_session(ctx.session, retries=1)
    if key == "lookup":
        unknown.look_up(ctx.session, rid, cipher_for(ctx.vault), engine=engine)
        return True
    cust = unknown.customer(ctx.session.db, rid) or {}
    if key == "adopt":
        question = QCoreApplication.translate(
            "RequestUnknown", "请与顾客核对：会员号 {no}，姓名 {name}。确认后本店接收该会员，申请即为该会员办理。"
        )
        text = question.replace("{no}", str(cust.get("match_member_no") or ""))
        if not messagebox.question(
            detail,
            QCoreApplication.translate("RequestUnknown", "确认并接收会员"),
            text.replace("{name}", str(cust.get("match_name_masked") or "")),
        ):
            return False
        adopt_member(ctx.session, str(cust["match_member_id"]), engine=engine, request_id=rid)
        return True
    if key == "attach":
        unknown.attach_local(ctx.session, rid)
        return True
    if not messagebox.question(
        detail,
        QCoreApplication.translate("RequestUnknown", "告知无会员并办结"),
        QCoreApplication.translate("RequestUnknown", "总部和本店均没有该顾客的会员信息。确认按“未找到该顾客”办结？"),
    ):
        return False
    unknown.close_no_member(ctx.session, rid)
    return True
