"""Purge report (清理报告) of a sweep run: CSV and PDF, no personal data — per category the rule,
the period, the cut-off date, how many were due, purged and kept under legal hold, and the oldest
trigger date. Built in memory; only the UI or the admin command writes the bytes where asked."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from app.printing.letter_layout import Letter, Section, StoreInfo, render_letter

if TYPE_CHECKING:
    from app.printing.fonts import FontChoice

CATEGORY_LABELS = {
    "purchase": ("消费记录", "Purchases"),
    "member": ("会员信息", "Members"),
    "service_record": ("客户服务记录", "Service records"),
    "id_number": ("身份证号原件", "ID numbers (originals)"),
}
ACTION_LABELS = {"delete": "删除", "mask": "脱敏", "anonymise": "匿名化"}
UNIT_LABELS = {"days": "天", "months": "个月", "years": "年"}
MODE_LABELS = {"dry_run": "试运行（未删除）", "apply": "已执行清理"}
TRIGGER_LABELS = {"timer": "定时自动", "admin": "管理命令", "manual": "店长手动"}
ORDER = ("purchase", "member", "service_record", "id_number")


def period_label(period: str) -> str:
    value, _, unit = (period or "").partition(" ")
    return f"{value} {UNIT_LABELS.get(unit, unit)}".strip()


def report_rows(run: dict) -> list[dict]:
    cats = (run.get("result") or run).get("categories", {})
    rows = []
    for cat in ORDER:
        c = cats.get(cat)
        if not c:
            continue
        rows.append(
            {
                "category": cat,
                "rule": c.get("rule"),
                "action": c.get("action"),
                "period": c.get("period"),
                "cutoff": c.get("cutoff"),
                "due": c.get("due", 0),
                "purged": c.get("purged", 0),
                "held": c.get("held", 0),
                "oldest": c.get("oldest") or "",
            }
        )
    return rows


def purge_report_csv(run: dict) -> bytes:
    """UTF-8 with BOM so Excel on a Chinese Windows opens it correctly."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    result = run.get("result") or run
    w.writerow(
        [
            "run_id",
            "mode",
            "trigger",
            "as_of",
            "finished_at",
            "category",
            "rule",
            "action",
            "period",
            "cutoff",
            "due",
            "purged",
            "legal_hold",
            "oldest",
        ]
    )
    for r in report_rows(run):
        w.writerow(
            [
                run.get("id") or result.get("run_id"),
                run.get("mode", ""),
                run.get("trigger", ""),
                result.get("as_of", run.get("as_of", "")),
                run.get("finished_at", ""),
                r["category"],
                r["rule"],
                r["action"],
                r["period"],
                r["cutoff"],
                r["due"],
                r["purged"],
                r["held"],
                r["oldest"],
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def purge_report_pdf(run: dict, store: StoreInfo, *, staff_name: str = "", font: FontChoice | None = None) -> bytes:
    """`store`: app.printing.letter_layout.StoreInfo. `staff_name`: who ran it (a display name; None for the timer)."""
    result = run.get("result") or run
    mode = run.get("mode", "apply")
    ref = [
        ("清理批次", str(run.get("id") or result.get("run_id") or "")),
        ("门店", f"{store.name}({store.code})"),
        (
            "方式",
            f"{MODE_LABELS.get(mode, mode)} · {TRIGGER_LABELS.get(run.get('trigger', ''), run.get('trigger', ''))}",
        ),
        ("计算日期", result.get("as_of", run.get("as_of", ""))),
        ("完成时间", (run.get("finished_at") or "").replace("T", " ")[:16]),
    ]
    if staff_name:
        ref.append(("执行人", staff_name))
    grid = []
    for r in report_rows(run):
        grid.append(
            [
                CATEGORY_LABELS.get(r["category"], (r["category"],))[0],
                r["rule"] or "",
                f"{period_label(r['period'])} · {ACTION_LABELS.get(r['action'], r['action'])}",
                r["cutoff"] or "",
                str(r["due"]),
                str(r["purged"] if mode == "apply" else "—"),
                str(r["held"]),
                r["oldest"] or "—",
            ]
        )
    sections = [
        Section(
            paragraphs=[
                "本报告按公司《顾客信息处理规定》的保存期限生成，只包含数量和日期，不含任何个人信息。"
                "截止日期及以前到期的记录会被清理；处于法律保全中的会员或记录不清理，单独计数。"
                "会员信息的删除与个人删除申请相同，记入删除台账并同步至总部。"
            ]
        ),
        Section(
            heading="各类记录",
            columns=["类别", "规则", "保存期限 · 处理", "截止日期", "到期", "已清理", "法律保全", "最早日期"],
            grid=grid,
            col_weights=[1.9, 0.95, 1.7, 1.3, 0.7, 0.9, 1.1, 1.3],
        ),
    ]
    letter = Letter(
        title="个人信息保存期限清理报告",
        store=store,
        reference=ref,
        sections=sections,
        signatures=["店长签字", "日期"],
        show_store_contact=False,
        footer_note="清理明细（数量、规则、截止日期）同时记入审计日志。",
    )
    return render_letter(letter, font=font)
