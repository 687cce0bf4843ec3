"""How a member's name is shown to a clerk in lists, search hits and summaries (UX.md).

The first and the last character stay so a clerk can check a hit with the customer standing there; everything
between is one `*` per hidden character: 张小明 -> 张*明， 欧阳娜娜华 -> 欧阳**华 (a compound surname stays whole
when at least one character is still hidden), two-character names 张三 -> 张*, Latin names John Smith ->
J********h. A mask always hides at least one character. Used everywhere a name is masked for a clerk
(`app.members.fields.mask_name` is this function).
"""

from __future__ import annotations

__all__ = ["COMPOUND_SURNAMES", "mask_name"]

COMPOUND_SURNAMES = frozenset(
    (
        "欧阳", "上官", "司马", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "令狐",
        "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "闻人", "澹台", "公冶", "太史", "申屠",
        "万俟", "司空", "濮阳", "淳于", "单于", "拓跋",
    )
)  # fmt: skip


def mask_name(v: str | None) -> str:
    """张*明 / 欧阳**华 / 张* / J***n: first and last character kept, at least one hidden."""
    if not v:
        return ""
    v = v.strip()
    n = len(v)
    if n <= 1:
        return "*"
    if n == 2:
        return v[0] + "*"
    head = 2 if v[:2] in COMPOUND_SURNAMES and n >= 4 else 1
    return v[:head] + "*" * (n - head - 1) + v[-1]
