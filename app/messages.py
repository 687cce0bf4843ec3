"""User-facing messages of the core, in Simplified Chinese (default) and English.

Each domain package adds its own table with `add_messages({...})` at import time, so
messages live next to the code that raises them. A message never contains personal
data: parameters are counts, field names, times or version numbers.
"""

from __future__ import annotations

_TABLE: dict[str, tuple[str, str]] = {}
LANGS = ("zh_CN", "en")


def add_messages(table: dict[str, tuple[str, str]]) -> None:
    for key, pair in table.items():
        if key in _TABLE and _TABLE[key] != pair:
            raise ValueError(f"message key registered twice with different text: {key}")
        _TABLE[key] = pair


def render(key: str, lang: str = "zh_CN", **params: object) -> str:
    zh, en = _TABLE.get(key, _TABLE["error.generic"])
    text = en if lang.startswith("en") else zh
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def all_keys() -> dict[str, tuple[str, str]]:
    return dict(_TABLE)


add_messages(
    {
        "error.generic": (
            "操作未完成，请重试。如问题持续，请联系总部IT。",
            "The operation did not complete. Please try again; if it persists, contact head-office IT.",
        ),
        "error.permission": (
            "您没有权限执行此操作：{action}。请店长登录后操作。",
            "You are not allowed to do this: {action}. A store manager must sign in.",
        ),
        "error.validation": ("输入有误，请检查。", "Please check your input."),
        "error.not_found": ("未找到记录。", "Record not found."),
        "error.conflict": ("记录已被修改，请刷新后重试。", "The record has changed; refresh and try again."),
        "error.disk_full": (
            "磁盘空间不足，操作未完成，已有数据未受影响。请清理磁盘后重试。",
            "The disk is full. Nothing was changed; free some space and try again.",
        ),
        "signin.wrong": ("用户名或密码不正确。", "Wrong user name or password."),
        "signin.throttled": (
            "尝试次数过多，请在 {seconds} 秒后重试。",
            "Too many attempts. Try again in {seconds} seconds.",
        ),
        "signin.disabled": ("该账户已停用，请联系店长。", "This account is disabled. Ask your store manager."),
        "signin.must_change": ("请先设置新密码。", "Please set a new password first."),
        "signin.password_weak": (
            "密码至少需要 {min} 位，且不能与用户名相同。",
            "The password needs at least {min} characters and must differ from the user name.",
        ),
        "signin.username_invalid": (
            "用户名只能包含字母、数字、点、下划线或减号，长度 2–32。",
            "A user name has 2–32 letters, digits, dots, underscores or hyphens.",
        ),
        "signin.username_taken": ("该用户名已存在。", "That user name is taken."),
        "signin.recovery_wrong": ("恢复密钥不正确。", "The recovery key is not correct."),
        "signin.last_manager": (
            "不能停用或删除最后一位店长。",
            "The last store manager cannot be disabled or removed.",
        ),
        "store.not_setup": (
            "本终端尚未设置。请运行首次设置向导。",
            "This terminal is not set up yet. Run the first-run wizard.",
        ),
        "store.already_setup": ("该数据目录已设置过，不能重复设置。", "This data folder is already set up."),
        "store.unreadable": (
            "数据库无法读取：文件已损坏或被篡改。请联系总部IT从备份恢复；原文件已保留，未做任何修改。",
            "The database cannot be read: the file is damaged or was tampered with. Ask head-office IT to "
            "restore a backup; the file was left untouched.",
        ),
        "store.too_new": (
            "数据库来自更新版本的 MemberDesk(结构版本 {found},本程序支持到 {supported})。请升级程序。",
            "The database comes from a newer MemberDesk (schema {found}; this program supports up to "
            "{supported}). Please upgrade.",
        ),
        "store.keyslots_missing": (
            "密钥文件缺失，无法解锁数据库。请从备份恢复密钥文件，或联系总部IT。",
            "The key file is missing, so the database cannot be unlocked. Restore it from a backup "
            "or contact head-office IT.",
        ),
        "store.keyslots_corrupt": (
            "密钥文件已损坏或被篡改，无法解锁数据库。请从备份恢复，或联系总部IT。",
            "The key file is damaged or was tampered with. Restore it from a backup or contact head-office IT.",
        ),
        "store.locked_by_other": (
            "MemberDesk 已在本机运行（同一数据目录）。请切换到已打开的窗口。",
            "MemberDesk is already running on this data folder. Switch to the open window.",
        ),
        "store.backup_corrupt": (
            "备份文件已损坏或不完整，未恢复任何内容。",
            "The backup file is damaged or incomplete; nothing was restored.",
        ),
        "store.restore_target_not_empty": (
            "恢复目标目录不是空的。请选择一个新的空目录。",
            "The restore target folder is not empty. Choose a new, empty folder.",
        ),
        "store.busy": (
            "数据库正忙：后台任务（收银数据导入、保存期限清理或同步）正在保存数据，本次操作未保存。请稍等几秒后再试。",
            "The database is busy: a background job (POS import, retention sweep or sync) is saving data, so "
            "this was not saved. Wait a few seconds and try again.",
        ),
        "store.job_stopped": (
            "MemberDesk 已锁定，后台任务已停止；下次登录后会从中断处继续。",
            "MemberDesk was locked, so the background job stopped; it continues where it left off after "
            "the next sign-in.",
        ),
        "audit.broken": ("审计日志在第 {seq} 条被篡改或缺失。", "The audit log is broken at entry {seq}."),
    }
)

add_messages(
    {
        "setup.store_code_invalid": (
            "门店编码为 2–16 位大写字母、数字或减号，例如 SH-001。",
            "A store code has 2–16 capital letters, digits or hyphens, e.g. SH-001.",
        ),
        "setup.store_name_required": ("请填写门店名称。", "Enter the store name."),
        "setup.terminal_invalid": (
            "终端名称为 1–32 位字母、数字、点、下划线或减号，例如 DESK-1。",
            "A terminal name has 1–32 letters, digits, dots, underscores or hyphens, e.g. DESK-1.",
        ),
        "setup.display_name_required": ("请填写姓名。", "Enter the person's name."),
    }
)

add_messages(
    {
        "settings.unknown": ("没有这个设置项。", "There is no such setting."),
        "settings.not_a_number": ("请输入一个非负整数。", "Enter a whole number of zero or more."),
    }
)
