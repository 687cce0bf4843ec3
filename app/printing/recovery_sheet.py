"""The recovery-key sheet printed at set-up: the key as text in groups and as a QR code, the store,
the date, and where to keep it. The QR holds the key text only, so a 2D scanner can type it into
the recovery field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.platypus import Table, TableStyle

from app.printing import layout as L
from app.printing.dates import print_time
from app.printing.fonts import FontChoice, choose_font


@dataclass
class RecoverySheet:
    recovery_key: str  # app.storage.keyslots.format_recovery_key(...) text, groups joined by "-"
    store_code: str
    store_name: str
    created_at: dt.datetime | str
    created_by: str = ""  # display name of the manager who set the store up
    terminal: str = ""


def _key_rows(key: str, per_row: int = 4) -> list[list[str]]:
    groups = [g for g in key.replace(" ", "-").split("-") if g]
    rows = [groups[i : i + per_row] for i in range(0, len(groups), per_row)]
    if rows and len(rows[-1]) < per_row:
        rows[-1] += [""] * (per_row - len(rows[-1]))
    return rows


def recovery_sheet_pdf(data: RecoverySheet, *, font: FontChoice | None = None) -> bytes:
    font = font or choose_font()
    st = L.styles_for(font)
    width = L.frame_width()
    created = print_time(data.created_at)
    key_style = st.custom("key", 17, align=L.TA_CENTER)
    rows = [[L.para(g, key_style) for g in r] for r in _key_rows(data.recovery_key)]
    key_table = Table(rows, colWidths=[24 * L.mm] * 4, rowHeights=[11 * L.mm] * len(rows))
    key_table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, L.colors.black),
                ("INNERGRID", (0, 0), (-1, -1), 0.3, L.GREY),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    side = Table(
        [[key_table, L.qr_drawing(data.recovery_key, 52 * L.mm, level="Q")]], colWidths=[width - 58 * L.mm, 58 * L.mm]
    )
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "CENTER")]))
    info = [("门店", f"{data.store_name}（{data.store_code}）"), ("生成时间", created)]
    if data.created_by:
        info.append(("设置人", data.created_by))
    if data.terminal:
        info.append(("终端", data.terminal))
    story = [
        L.para("MemberDesk 恢复密钥", st.title),
        L.para("机密 · 请勿复印、拍照或扫描", st.subtitle),
        L.kv_table(st, info, width),
        L.spacer(6),
        side,
        L.spacer(6),
        L.heading(st, "这张纸有什么用", 2),
        *L.bullets(
            st,
            [
                "当所有店长都忘记密码时，凭此恢复密钥可以解锁本门店的加密数据库并重新设置密码。",
                "任何持有本页的人都能解锁全部会员数据：它和保险柜钥匙一样重要。",
                "更换恢复密钥（重新加密）后，本页即作废，应按纸质原件的方式销毁并记录。",
            ],
        ),
        L.heading(st, "保存在哪里", 2),
        *L.bullets(
            st,
            [
                "放入信封封好，签字后存放在门店保险柜或带锁文件柜中，与收银电脑分开保管。",
                "不要存放在电脑旁、抽屉里或与密码写在一起；不要拍照、复印、扫描或通过聊天工具发送。",
                "保管人变更时，在交接记录中注明；总部 IT 不保存本密钥的副本。",
            ],
        ),
        L.spacer(8),
        L.signature_lines(st, ["保管人签字", "见证人签字", "日期"], width),
    ]
    meta = L.DocMeta(title="MemberDesk 恢复密钥", left=f"{data.store_name} · 机密")
    return L.render(story, meta, font=font)


def render_recovery_sheet(
    *,
    recovery_key: str,
    store_code: str,
    store_name: str,
    created: dt.datetime | str,
    created_by: str = "",
    terminal: str = "",
    font: FontChoice | None = None,
) -> bytes:
    """Keyword form used by the set-up wizard and `memberdesk-admin setup --recovery-sheet`."""
    return recovery_sheet_pdf(
        RecoverySheet(
            recovery_key=recovery_key,
            store_code=store_code,
            store_name=store_name,
            created_at=created,
            created_by=created_by,
            terminal=terminal,
        ),
        font=font,
    )
