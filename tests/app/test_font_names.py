"""The printing font is named in the interface's language (issue #20: 文泉驿微米黑 in the English UI)."""

from __future__ import annotations

import re

import pytest

from app.printing.fonts import FALLBACK_CID, KNOWN_NAMES, NAMES_EN, FontChoice


@pytest.mark.parametrize("stem", sorted(KNOWN_NAMES))
def test_every_known_font_has_an_english_name(stem):
    choice = FontChoice(name="MemberDeskCJK", path=f"/usr/share/fonts/{stem}.ttc")
    assert choice.label_in("zh_CN") == KNOWN_NAMES[stem]
    english = choice.label_in("en")
    assert english == NAMES_EN[KNOWN_NAMES[stem]]
    assert not re.search(r"[\u3400-\u9fff]", english)  # no Chinese in the English interface


def test_an_unknown_font_file_and_the_fallback_keep_their_own_names():
    assert FontChoice(name="X", path="/fonts/SomeFont.ttf").label_in("en") == "SomeFont.ttf"
    assert FontChoice(name=FALLBACK_CID, path=None, fallback=True).label_in("en") == FALLBACK_CID
