"""Printed documents (reportlab, no Qt). Every document is a function taking plain data and
returning PDF bytes rendered in memory; see docs/architecture.md, section "Printing"."""

from app.messages import add_messages

add_messages(
    {
        "printing.outcome_unknown": ("处理结果类型无效。", "Unknown outcome of the request."),
        "printing.refusal_incomplete": (
            "拒绝或部分办理时，必须填写拒绝理由和法律依据。",
            "A refusal needs its reason and its legal basis.",
        ),
        "printing.count_invalid": ("打印份数应为 1–{max} 份。", "Print between 1 and {max} forms."),
        "printing.serial_unknown": ("未找到该表单编号。", "This form serial is unknown."),
        "printing.serial_invalid": ("表单编号格式不正确。", "This is not a valid form serial."),
        "printing.serial_used": (
            "该表单已登记过会员，不能重复使用。",
            "This form was already used to register a member.",
        ),
        "printing.font_fallback": (
            "未找到可嵌入的中文字体，已改用 STSong-Light（不嵌入），打印效果取决于打印机。"
            "可在设置中指定字体文件（font_path）。",
            "No embeddable Chinese font was found; STSong-Light (not embedded) is used, so "
            "the printout depends on the printer. Set a font file in the settings (font_path).",
        ),
        "printing.store_code_missing": (
            "尚未设置门店编码，无法生成表单编号。",
            "The store code is not set, so no form serial can be made.",
        ),
    }
)

from app.printing import (  # noqa: E402,F401  (permissions, the form-serial eraser, the printer setting register)
    printer_setting,
    serials,
)
