"""Customer requests at the service desk (issue 6): see, copy, correct, restrict, withdraw,
cancel, delete — answered within 15 working days (RIG-1..6, CON-3, RET-2).

    rid = open_request(session, "delete", member_id, identity_method="id_card_sighted")
    execute_delete(session.as_manager(manager_staff), rid, ledger_path=vault.paths.erasure_ledger)
    rows = list_requests(session, today, due="overdue"); requests_due_summary(db, today)
"""

from app.erasure import register_eraser
from app.requests import model  # noqa: F401  (permissions, messages)
from app.requests.actions import (  # noqa: F401
    _erase_requests,
    build_chain_copy,
    build_copy,
    execute_cancel,
    execute_correct,
    execute_delete,
    execute_explain,
    execute_restrict,
    execute_withdraw,
    lift_restriction,
)
from app.requests.chain import _erase_orders, awaiting, confirmations, set_restriction  # noqa: F401
from app.requests.deadline import extend, pause, resume  # noqa: F401
from app.requests.export import collect_member_data, register_exporter  # noqa: F401
from app.requests.on_behalf import guardian_applicant, record_guardian_applicant  # noqa: F401
from app.requests.queue import counts, list_requests, requests_due_summary, urgency  # noqa: F401
from app.requests.restriction import marketing_allowed_sql, require_visible, visible_members_sql  # noqa: F401
from app.requests.service import (  # noqa: F401
    close_not_found,
    complete,
    due_date,
    get_request,
    open_request,
    record_event,
    refuse,
    start,
    timeline,
    verify_identity,
)

register_eraser("requests", _erase_requests)
register_eraser("chain_orders", _erase_orders)
