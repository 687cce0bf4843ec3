"""tools/zh_punct.py: half-width punctuation in Chinese text, also after a Latin word ("STSong-Light(不嵌入),"),
and every registered Chinese message already in full-width form."""

import sys
from pathlib import Path

from app.messages import all_keys

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from zh_punct import fix_text


def test_brackets_after_a_latin_word_in_chinese_text_become_full_width():
    assert (
        fix_text("已改用 STSong-Light(不嵌入),打印效果取决于打印机。")
        == "已改用 STSong-Light（不嵌入），打印效果取决于打印机。"
    )
    assert fix_text("已改用 STSong-Light (不嵌入)。") == "已改用 STSong-Light（不嵌入）。"
    assert fix_text("字体文件(font_path),") == "字体文件（font_path），"
    for left_alone in ("调用 render(lang) 即可", "the wizard (顾客填写纸质登记表): x", 'self.tr("中文") + f("中文")'):
        assert fix_text(left_alone) == left_alone


def test_marks_between_a_latin_word_or_placeholder_and_chinese_become_full_width():
    assert fix_text("A4,两张并排张贴") == "A4，两张并排张贴"
    assert fix_text("%1(%2 起施行)") == "%1（%2 起施行）"
    assert fix_text("打印字体：%1(已嵌入)") == "打印字体：%1（已嵌入）"
    assert fix_text("{name}(已停用)") == "{name}（已停用）"
    for left_alone in ("scan:扫描件编号", "A4, two sheets", "%1 (in force from %2)", "f(x,y)"):
        assert fix_text(left_alone) == left_alone


def test_no_registered_chinese_message_has_half_width_punctuation():
    bad = {k: zh for k, (zh, _en) in all_keys().items() if fix_text(zh) != zh}
    assert bad == {}


def test_markdown_prose_gets_full_width_punctuation_and_code_stays():
    from zh_punct import fix_markdown

    src = (
        "程序的选项:`--data-dir 目录`(也可用 `MEMBERDESK_DATA_DIR`)、`--demo`(演示模式,退出即删除)。\n"
        "**受理**:打开 [指南](docs/guide.md),按 **确认**。全部通过时为 0,否则为 1。\n"
        "路径 `C:\\x\\y.exe`, 网址 https://a.b/c?x=1, 时间 10:30, 共 1,000 行。\n"
        "```bash\nrun.sh --user   # 注释,不动\n```\n"
        "卸载时询问(默认“否”),静默卸载:`/PURGEDATA=1`。\n"
    )
    assert fix_markdown(src) == (
        "程序的选项：`--data-dir 目录`（也可用 `MEMBERDESK_DATA_DIR`）、`--demo`（演示模式，退出即删除）。\n"
        "**受理**：打开 [指南](docs/guide.md)，按 **确认**。全部通过时为 0，否则为 1。\n"
        "路径 `C:\\x\\y.exe`，网址 https://a.b/c?x=1，时间 10:30，共 1,000 行。\n"
        "```bash\nrun.sh --user   # 注释,不动\n```\n"
        "卸载时询问（默认“否”），静默卸载：`/PURGEDATA=1`。\n"
    )
    # an English document quoting or listing Chinese stays English
    for english in (
        "the result letter (处理结果告知书; a refusal raises ValidationError)",
        "| `txn_id` | 交易号, 交易流水号, txn_id | yes |",
        "Latin only: a, b (c).",
    ):
        assert fix_markdown(english, chinese=False) == english


def test_every_chinese_text_in_docs_resources_app_and_ui_is_full_width():
    """tools/zh_punct.py --check over docs/*.md, README.md, resources/, app/ and ui/: file:line of each offender."""
    from zh_punct import offenders, targets

    names = {str(p.relative_to(Path(__file__).resolve().parents[2])).split("/")[0] for p in targets()}
    assert {"docs", "resources", "app", "ui", "README.md"} <= names
    assert offenders() == []
