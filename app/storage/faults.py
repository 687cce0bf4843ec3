"""Storage faults in plain words (issue #17): a damaged file, a key-slot file that cannot be written,
an interrupted backup or rekey. What each message means and what to do: docs/guide-it.*.md, "Faults".

SQLCipher checks each page's HMAC when it reads it. A page that fails gives "database disk image is
malformed" and puts the connection's codec into an error state: from then on every read fails and
every write says "attempt to write a readonly database". `Database` recognises these
(`is_damage_error`), reopens its connection and raises `StoreError("store.damaged", pages=…)` with
the damaged pages from `PRAGMA cipher_integrity_check` (run on the fresh connection: it reports every
page whose HMAC fails and leaves the connection usable).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.messages import add_messages

add_messages(
    {
        "store.damaged": (
            "数据库文件已损坏（损坏的页：{pages}），本次操作未完成。请按IT手册“故障与提示”一节从最近一次可信的"
            "备份恢复；在恢复之前不要再登记或修改会员资料。",
            "The database file is damaged (damaged pages: {pages}); this was not done. Restore the latest "
            "trusted backup as the IT guide's section “Faults and messages” describes; register or change no "
            "members until then.",
        ),
        "store.keyslots_unsaved": (
            "密钥文件无法写入（数据目录不可写），本次更改未保存，原密码仍然有效。请让IT检查数据目录的权限。",
            "The key file cannot be written (the data folder is read-only): the change was not saved and the "
            "old password still works. Ask IT to check the data folder's permissions.",
        ),
        "store.not_writable": (
            "数据库文件不可写（只读的文件或文件夹），本次操作未完成。请让IT检查数据目录的权限。",
            "The database file cannot be written (a read-only file or folder); this was not done. Ask IT to "
            "check the data folder's permissions.",
        ),
        "backup.untrusted": (
            "数据库已损坏（损坏的页：{pages}），这次备份不可信，因此没有写入。已有的备份未被删除。请按IT手册"
            "“故障与提示”一节从最近一次可信的备份恢复。",
            "The database is damaged (damaged pages: {pages}), so this backup could not be trusted and was not "
            "written. No existing backup was removed. Restore the latest trusted backup as the IT guide's "
            "section “Faults and messages” describes.",
        ),
    }
)

_DAMAGE = ("malformed", "file is not a database", "attempt to write a readonly database", "database corrupt")
_PAGE = re.compile(r"page (\d+)")


def is_damage_error(exc: BaseException) -> bool:
    """SQLite/SQLCipher's words for a damaged file (or a connection a damaged page has poisoned)."""
    text = str(exc).lower()
    return any(word in text for word in _DAMAGE)


def damaged_pages(lines: Iterable[str]) -> list[int]:
    """Page numbers named by `PRAGMA cipher_integrity_check` / `quick_check` output lines."""
    pages: set[int] = set()
    for line in lines:
        pages.update(int(m) for m in _PAGE.findall(str(line)))
    return sorted(pages)


def page_ranges(pages: list[int], limit: int = 8) -> str:
    """`[3, 4, 5, 9]` -> "3–5, 9" (at most `limit` ranges, then "…"); "?" when unknown."""
    if not pages:
        return "?"
    ranges: list[tuple[int, int]] = []
    for page in sorted(set(pages)):
        if ranges and page == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], page)
        else:
            ranges.append((page, page))
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in ranges[:limit]]
    return ", ".join(parts) + (", …" if len(ranges) > limit else "")
