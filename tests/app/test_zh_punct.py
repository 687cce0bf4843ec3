"""tools/zh_punct.py: half-width punctuation in Chinese text, also after a Latin word ("STSong-Light(不嵌入),"),
and every registered Chinese message already in full-width form."""
import sys
from pathlib import Path

from app.messages import all_keys

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from zh_punct import fix_text


def test_brackets_after_a_latin_word_in_chinese_text_become_full_width():
    assert fix_text("已改用 STSong-Light(不嵌入),打印效果取决于打印机。") == "已改用 STSong-Light（不嵌入），打印效果取决于打印机。"
    assert fix_text("已改用 STSong-Light (不嵌入)。") == "已改用 STSong-Light（不嵌入）。"
    assert fix_text("字体文件(font_path),") == "字体文件（font_path），"
    for left_alone in ("调用 render(lang) 即可", "the wizard (顾客填写纸质登记表): x", 'self.tr("中文") + f("中文")'):
        assert fix_text(left_alone) == left_alone


def test_no_registered_chinese_message_has_half_width_punctuation():
    bad = {k: zh for k, (zh, _en) in all_keys().items() if fix_text(zh) != zh}
    assert bad == {}
