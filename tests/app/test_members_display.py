"""Issue #20: the clerk's name mask (first and last character) and the date forms a counter types."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from app.dates import format_date, parse_date
from app.errors import ValidationError
from app.members import fields, validation
from app.members.display import COMPOUND_SURNAMES, mask_name


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("张三", "张*"),
        ("张小明", "张*明"),
        ("王小明明", "王**明"),
        ("欧阳娜华", "欧阳*华"),
        ("欧阳娜娜华", "欧阳**华"),
        ("欧阳华", "欧*华"),  # a compound surname kept whole would show all three characters
        ("司马光", "司*光"),
        ("阿卜杜·热合曼", "阿*****曼"),
        ("John Smith", "J********h"),
        ("Li", "L*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name_keeps_first_and_last(name, shown):
    assert mask_name(name) == shown  # rule: SEN-3


def test_one_mask_for_every_clerk_list():
    # fields.mask / fields.mask_name (search hits, summaries, member detail) are this function
    assert fields.mask_name is mask_name and fields.COMPOUND_SURNAMES is COMPOUND_SURNAMES
    assert fields.mask("name", "张小明") == "张*明"


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_characters="*"), min_size=2, max_size=30).filter(lambda s: s.strip() == s))
def test_mask_always_hides_something(name):
    m = mask_name(name)
    assert len(m) == len(name) and m[0] == name[0]
    assert m[-1] == (name[-1] if len(name) > 2 else "*")  # two characters: 张*
    assert "*" in m and m != name  # rule: SEN-3
    hidden = [i for i, c in enumerate(m) if c == "*"]
    assert hidden == list(range(hidden[0], hidden[-1] + 1))  # one run of stars in the middle


@pytest.mark.parametrize(
    "typed",
    [
        "1990-05-03",
        "1990-5-3",
        "1990/5/3",
        "1990/05/03",
        "1990.5.3",
        "1990年5月3日",
        "1990年05月03日",
        "1990年5月3号",
        "1990 年 5 月 3 日",
        "19900503",
        "１９９０／５／３",  # full-width digits from a Chinese input method
        " 1990-05-03 ",
    ],
)
def test_parse_date_accepts_the_usual_forms(typed):
    assert parse_date(typed) == dt.date(1990, 5, 3)
    assert validation.birth_date(typed, dt.date(2026, 12, 3)) == "1990-05-03"


@pytest.mark.parametrize(
    "typed",
    [
        "1990-02-30",
        "1990/13/1",
        "1990-5/3",
        "1990年5/3",
        "90/5/3",
        "199005",
        "1990-05-03x",
        "5/3/1990",
        "abc",
        "2026年",
    ],
)
def test_parse_date_refuses_other_text_without_echoing_it(typed):
    with pytest.raises(ValueError) as e:
        parse_date(typed)
    assert typed not in str(e.value)
    with pytest.raises(ValidationError) as ve:
        validation.birth_date(typed, dt.date(2026, 12, 3))
    assert ve.value.key == "member.birth_date_invalid" and typed not in ve.value.message("en")


def test_birth_date_bounds_hold_for_every_form():
    today = dt.date(2026, 12, 3)
    for typed in ("2026/12/4", "2026年12月4日", "20261204", "1899.12.31"):
        with pytest.raises(ValidationError):
            validation.birth_date(typed, today)
    assert validation.birth_date("2026年12月3日", today) == "2026-12-03"
    assert format_date(dt.date(2026, 11, 28)) == "2026-11-28"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_parse_date_raises_only_value_error(s):
    try:
        d = parse_date(s)
    except ValueError:
        return
    assert 1000 <= d.year <= 9999
