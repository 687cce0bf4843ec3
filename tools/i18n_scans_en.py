"""English for the scans/originals screens: fills unfinished entries of resources/i18n/memberdesk_en.ts.

    .venv/bin/python tools/i18n_scans_en.py [path/to/memberdesk_en.ts]

Only messages of the contexts below whose translation is still empty are touched (run it after
`pyside6-lupdate` has added the sources); everything else in the file stays byte for byte.
"""

from __future__ import annotations

import re
import sys
from html import escape, unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EN: dict[str, dict[str, str]] = {
    "nav": {"扫描件": "Scans", "纸质原件": "Paper originals"},
    "ScanViewer": {
        "上一页": "Previous page",
        "下一页": "Next page",
        "缩小": "Zoom out",
        "放大": "Zoom in",
        "适合窗口": "Fit",
        "向左旋转": "Rotate left",
        "向右旋转": "Rotate right",
        "选择一份扫描件即可在此查看": "Select a scan to view it here",
    },
    "ScanViewerDialog": {"关闭": "Close"},
    "ScansPage": {
        "扫描件": "Scans",
        "导入签字后的纸质表单": "Import signed paper forms",
        "导入文件…": "Import files…",
        "从扫描仪扫描": "Scan from scanner",
        "导入后删除原文件（推荐，避免明文留在电脑上）": "Delete the file after import (recommended: no plaintext left on this PC)",
        "也可以把扫描件（PNG、JPEG、TIFF、PDF）拖放到本页面。": "You can also drop scans (PNG, JPEG, TIFF, PDF) onto this page.",
        "未设置": "Not set",
        "选择文件夹…": "Choose folder…",
        "监视此文件夹": "Watch this folder",
        "人工匹配": "Match by hand",
        "表单二维码旁印的编号，例如 SH-001-261102-00001": "The serial printed next to the QR code, e.g. SH-001-261102-00001",
        "表单尚未关联会员时填写": "Only when the form is not linked to a member yet",
        "表单编号": "Form serial",
        "会员号": "Member number",
        "匹配": "Match",
        "丢弃扫描件（店长）": "Discard scan (manager)",
        "以新扫描件替换": "Replace with the new scan",
        "两份都保留": "Keep both",
        "删除新扫描件": "Delete the new scan",
        "同一编号已归档了不同内容，请店长决定：": "A different scan with this serial is already archived; a manager decides:",
        "选择扫描件": "Choose scans",
        "选择扫描仪保存文件的文件夹": "Choose the folder the scanner saves to",
        "丢弃扫描件需要店长确认。": "Discarding a scan needs a manager's sign-in.",
        "处理重复编号需要店长确认。": "Deciding a repeated serial needs a manager's sign-in.",
        "未安装扫描仪支持，请使用扫描仪的“扫描到文件夹”功能。": "Scanner support is not installed; use the scanner's scan-to-folder.",
        "扫描到文件夹：": "Scan-to-folder:",
        "导入时间": "Imported",
        "页数": "Pages",
        "原因": "Reason",
        "二维码内容": "QR content",
        "丢弃扫描件": "Discard scan",
        "确定删除这份扫描件吗？删除后无法恢复。": "Delete this scan? This cannot be undone.",
        "未识别到二维码": "No QR code found",
        "编号不在已打印表单中": "Serial not among the printed forms",
        "表单尚未关联会员": "Form not linked to a member",
        "同一编号内容不同，待店长决定": "Same serial, other content: manager decides",
        "待匹配的扫描件（{n}）": "Scans to match ({n})",
        "已导入 {pages} 页：已匹配 {m} 份，待匹配 {i} 份，重复 {d} 份，待店长决定 {c} 份。": "Imported {pages} pages: {m} matched, {i} to match, {d} duplicates, {c} for a manager to decide.",
        "已匹配并归档。": "Matched and archived.",
        "该表单已归档过相同内容。": "This form was already archived as is.",
        "同一编号已归档了不同内容，已转店长决定。": "A different scan with this serial is archived; passed to a manager to decide.",
    },
    "OriginalsPage": {
        "纸质原件登记簿": "Register of paper originals",
        "纸质原件扫描归档后存放在带锁文件柜中，须在扫描后 30 个工作日内销毁。": "Paper originals wait in a locked file cabinet after scanning and are destroyed within 30 working days.",
        "未销毁": "Not destroyed",
        "全部": "All",
        "已销毁": "Destroyed",
        "按表单编号查找": "Find by form serial",
        "导入节假日表…": "Import holiday table…",
        "销毁记录…": "Destruction records…",
        "例如 柜A-1": "e.g. Cabinet A-1",
        "保存存放位置": "Save location",
        "借出原因": "Reason for checking out",
        "借出": "Check out",
        "归还入柜": "Return to cabinet",
        "查看扫描件": "View scan",
        "选中已到期和即将到期的原件": "Select overdue and due soon",
        "销毁选中的原件…": "Destroy selected…",
        "在柜": "In cabinet",
        "销毁纸质原件需要店长登录确认。": "Destroying originals needs a manager's sign-in.",
        "保存销毁记录": "Save destruction record",
        "导入节假日表需要店长登录确认。": "Importing a holiday table needs a manager's sign-in.",
        "选择节假日表": "Choose holiday table",
        "扫描时间": "Scanned",
        "销毁截止日": "Destroy by",
        "剩余工作日": "Working days left",
        "文件柜": "Cabinet",
        "保管人": "Custodian",
        "状态": "Status",
        "表单编号": "Form serial",
        "带锁文件柜": "Locked cabinet",
        "归还日期": "Return date",
        "销毁需要店长登录确认。": "Destruction needs a manager's sign-in.",
        "销毁记录": "Destruction record",
        "选择批次": "Choose batch",
        "节假日表": "Holiday table",
        "已逾期": "Overdue",
        "3 个工作日内到期": "Due within 3 working days",
        "本周到期": "Due this week",
        "扫描件": "Scans",
        "还没有销毁记录。": "No destruction records yet.",
        "份": "forms",
        "无法保存文件，请换一个位置。": "The file could not be saved; choose another place.",
        "{years} 年的节假日安排尚未导入，标 * 的截止日期按仅周末休息计算（可能早于实际截止日）。请店长导入节假日表。": "No holiday table for {years}: dates marked * count only weekends as days off (they may be "
        "earlier than the real date). A manager should import the holiday table.",
        "已导入 {year} 年节假日表，{n} 份原件的截止日期已重新计算。": "Holiday table {year} imported; {n} due dates were recalculated.",
        "（逾期未还，应于 {d} 归还）": " (not returned, due back {d})",
        "（应于 {d} 归还）": " (due back {d})",
        "逾期 {n} 个工作日": "{n} working days overdue",
    },
    "DestroyOriginalsDialog": {
        "销毁纸质原件": "Destroy paper originals",
        "销毁方式": "Method",
        "销毁机构名称": "Vendor name",
        "销毁证明上的编号": "Number on the certificate of destruction",
        "方式": "Method",
        "店长": "Store manager",
        "监销人登录（须为店长以外的另一位员工）": "Witness signs in (a staff member other than the manager)",
        "用户名": "User name",
        "密码": "Password",
        "确认销毁": "Confirm destruction",
        "取消": "Cancel",
        "碎纸机粉碎": "Shredder",
        "碎纸机交叉粉碎": "Cross-cut shredder",
        "委托专业销毁机构": "Destruction vendor",
        "销毁机构": "Vendor",
        "销毁证明编号": "Certificate number",
        "以下 {n} 份纸质原件将被销毁。销毁前请确认均已扫描归档；销毁后请打印销毁记录，由店长和监销人签字存档。": "These {n} paper originals will be destroyed. Check first that all are scanned and archived; "
        "afterwards print the destruction record for the manager and the witness to sign and file.",
        "截止": "due",
    },
}

_CONTEXT = re.compile(r"(<context>\s*<name>([^<]+)</name>)(.*?)(</context>)", re.S)
_MESSAGE = re.compile(
    r"(<message>.*?<source>)(.*?)(</source>.*?)<translation type=\"unfinished\">\s*</translation>", re.S
)


def fill(text: str) -> tuple[str, int]:
    filled = 0

    def ctx(m):
        nonlocal filled
        table = EN.get(m.group(2).strip())
        if not table:
            return m.group(0)

        def msg(mm):
            nonlocal filled
            en = table.get(unescape(mm.group(2)))
            if en is None:
                return mm.group(0)
            filled += 1
            return f"{mm.group(1)}{mm.group(2)}{mm.group(3)}<translation>{escape(en, quote=False)}</translation>"

        return m.group(1) + _MESSAGE.sub(msg, m.group(3)) + m.group(4)

    return _CONTEXT.sub(ctx, text), filled


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "i18n" / "memberdesk_en.ts"
    text, n = fill(path.read_text("utf-8"))
    path.write_text(text, "utf-8")
    print(f"{n} translations filled in {path}")


if __name__ == "__main__":
    main()
