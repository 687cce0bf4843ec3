"""Request types, states, permissions and messages of the customer-request domain (issue 6).

A request is a small state machine (RIG-1, RIG-2, RIG-4):

    received ──verify──▶ verified ──start──▶ in_progress ──complete──▶ completed
        │                    │                    │
        └──────────── refuse (reason + legal basis) ───────────────▶ refused
    any open state ──pause(reason)──▶ paused ──resume──▶ the state it was paused from

A customer who is not found is recorded as such (no member) and closed with outcome
`not_found`; the letter says so. Nothing personal is stored on a request.
"""

from __future__ import annotations

from app.members.service import MEMBER_VIEW_RESTRICTED
from app.messages import add_messages
from app.staff import permissions as P

DUE_WORKING_DAYS = 15  # RIG-2
SOON_WORKING_DAYS = 3  # amber in the queue
MAX_EXTENSION_DAYS = 15

TYPES = ("access", "copy", "correct", "restrict", "withdraw", "cancel", "delete")
TYPE_LABELS = {  # zh_CN, en — the words of ../shared/UX.md
    "access": ("查阅", "See"),
    "copy": ("复制", "Copy"),
    "correct": ("更正、补充", "Correct"),
    "restrict": ("限制处理", "Restrict processing"),
    "withdraw": ("撤回同意", "Withdraw consent"),
    "cancel": ("注销会员", "Cancel membership"),
    "delete": ("删除", "Delete"),
}
STATUSES = ("received", "verified", "in_progress", "paused", "completed", "refused")
OPEN_STATUSES = ("received", "verified", "in_progress", "paused")
STATUS_LABELS = {
    "received": ("已受理", "Received"),
    "verified": ("已核验身份", "Identity verified"),
    "in_progress": ("处理中", "In progress"),
    "paused": ("已暂停", "Paused"),
    "completed": ("已完成", "Completed"),
    "refused": ("已拒绝", "Refused"),
}
IDENTITY_METHODS = ("id_card_sighted", "sms_code", "both")
IDENTITY_LABELS = {
    "id_card_sighted": ("查验身份证件（不留存号码）", "ID card sighted (number not kept)"),
    "sms_code": ("向登记手机号发送验证码", "Code sent to the registered mobile"),
    "both": ("查验身份证件并发送验证码", "ID card sighted and code sent"),
}
EVENT_LABELS = {
    "received": ("受理申请", "Request received"),
    "verified": ("核验身份", "Identity verified"),
    "started": ("开始处理", "Processing started"),
    "paused": ("暂停处理", "Paused"),
    "resumed": ("恢复处理", "Resumed"),
    "extended": ("延长期限", "Deadline extended"),
    "executed": ("执行", "Carried out"),
    "completed": ("办结", "Completed"),
    "refused": ("拒绝", "Refused"),
    "not_found": ("未找到该顾客", "Customer not found"),
    "restriction_lifted": ("解除限制处理", "Restriction lifted"),
    "printed": ("打印", "Printed"),
    "exported": ("导出副本", "Copy exported"),
}
# Transitions allowed by the lifecycle (pause/resume handled separately).
TRANSITIONS = {
    "verify": (("received",), "verified"),
    "start": (("verified",), "in_progress"),
    "complete": (("in_progress",), "completed"),
    "refuse": (("received", "verified", "in_progress"), "refused"),
}

REQUEST_OPEN = P.grant("request.open", P.CLERK, P.MANAGER)
REQUEST_VIEW = P.grant("request.view", P.CLERK, P.MANAGER)
REQUEST_HANDLE = P.grant("request.handle", P.CLERK, P.MANAGER)  # verify, start, pause, execute simple types
REQUEST_EXTEND = P.grant("request.extend", P.MANAGER)
REQUEST_REFUSE = P.grant("request.refuse", P.MANAGER)
REQUEST_EXPORT = P.grant("request.export", P.MANAGER)  # the full copy reveals every field
RESTRICTION_LIFT = P.grant("member.restriction_lift", P.MANAGER)
# RIG-5: clerks never see restricted members; the permission is the members domain's, named here for requests
MEMBER_RESTRICTED_VIEW = MEMBER_VIEW_RESTRICTED

add_messages(
    {
        "requests.type_invalid": ("申请类型无效。", "Unknown request type."),
        "requests.identity_invalid": ("请选择身份核验方式。", "Choose how the customer's identity was checked."),
        "requests.member_missing": (
            "未找到该会员。如顾客确实不是会员，请选择“未找到该顾客”。",
            "No such member. If the customer is not a member, choose 'customer not found'.",
        ),
        "requests.not_found": ("未找到该申请。", "No such request."),
        "requests.bad_state": (
            "该申请当前状态为“{status}”，不能执行此步骤。",
            "The request is '{status}'; this step is not possible now.",
        ),
        "requests.reason_required": ("请填写理由。", "Enter a reason."),
        "requests.legal_basis_required": (
            "拒绝申请必须填写拒绝理由和法律依据。",
            "A refusal needs a reason and its legal basis.",
        ),
        "requests.extension_invalid": (
            "延长期限为 1–{max} 个工作日，并须填写理由。",
            "An extension is 1–{max} working days and needs a reason.",
        ),
        "requests.no_member": (
            "该申请没有对应会员（未找到该顾客），只能按“未找到”办结。",
            "This request has no member (customer not found); it can only be closed as not found.",
        ),
        "requests.member_erased": (
            "该会员的个人信息已删除。",
            "This member's personal information has already been deleted.",
        ),
        "requests.changes_required": ("请填写要更正的内容。", "Enter what is to be corrected."),
        "requests.purposes_required": (
            "请选择要撤回同意的处理目的。",
            "Choose the purposes whose consent is withdrawn.",
        ),
        "requests.already_cancelled": ("该会员已注销。", "This membership is already cancelled."),
        "requests.already_restricted": (
            "该会员已处于限制处理状态。",
            "Processing of this member is already restricted.",
        ),
        "requests.not_restricted": ("该会员未处于限制处理状态。", "Processing of this member is not restricted."),
        "requests.restricted_member": (
            "该会员已被限制处理，仅店长可查看。",
            "Processing of this member is restricted; only a store manager can see it.",
        ),
        "reminder.requests_overdue": (
            "{count} 件个人信息权利申请已超期，请立即处理。",
            "{count} customer request(s) are overdue. Handle them now.",
        ),
        "reminder.requests_due": (
            "{count} 件个人信息权利申请将在 3 个工作日内到期。",
            "{count} customer request(s) are due within 3 working days.",
        ),
    }
)


def label(table: dict, key: str, lang: str = "zh_CN") -> str:
    pair = table.get(key)
    if not pair:
        return key or ""
    return pair[1] if lang.startswith("en") else pair[0]
