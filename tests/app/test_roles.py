"""Roles are enforced in the services, not only by hiding buttons (SEC-1)."""

import pytest

from app.access.backup import restore_backup  # noqa: F401
from app.access.rekey import begin_rekey
from app.audit import chain
from app.errors import PermissionDenied, UserError
from app.settings import get_setting, set_setting
from app.staff import permissions as P, service
from tests.conftest import CLERK_PW


def test_clerk_cannot_call_manager_services(vault, manager, clerk):
    with pytest.raises(PermissionDenied):
        service.add_staff(
            vault, clerk, username="x1", display_name="某", role="clerk", password="Some-pass-1"
        )  # rule: SEC-1
    with pytest.raises(PermissionDenied):
        set_setting(clerk, "idle_lock_minutes", 1)  # rule: SEC-1
    with pytest.raises(PermissionDenied):
        begin_rekey(vault, clerk, CLERK_PW)  # rule: SEC-1
    assert get_setting(manager.db, "idle_lock_minutes") == 5
    denied = manager.db.all("SELECT staff_id, details FROM audit_log WHERE action = 'permission.denied'")
    assert len(denied) == 3 and all(r[0] == clerk.staff.id for r in denied)  # attributable: rule: SEC-1


def test_manager_step_up_acts_as_the_manager(vault, manager, clerk):
    staff = vault.verify_staff("manager", "Manager-pass-1", role="manager")
    acting = clerk.as_manager(staff)
    set_setting(acting, "idle_lock_minutes", 3)
    row = manager.db.one("SELECT staff_id FROM audit_log WHERE action='settings.change'")
    assert row[0] == manager.staff.id
    with pytest.raises(UserError):
        vault.verify_staff("clerk", CLERK_PW, role="manager")


def test_last_manager_cannot_be_disabled(vault, manager):
    with pytest.raises(UserError) as e:
        service.set_disabled(vault, manager, manager.staff.id, True)
    assert e.value.key == "signin.last_manager"


def test_permission_table_has_only_known_roles():
    for perm, roles in P.all_permissions().items():
        assert roles <= set(P.ROLES), perm
    assert not P.allowed(P.CLERK, "staff.manage")


def test_audit_chain_stays_valid_through_staff_work(vault, manager, clerk):
    service.reset_password(vault, manager, clerk.staff.id, "Temporary-pw-1")
    vault.lock()
    s = vault.sign_in("clerk", "Temporary-pw-1")
    assert s.staff.must_change_password
    assert chain.verify(s.db).ok
