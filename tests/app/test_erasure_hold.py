"""A legal hold stops a deletion until it is lifted (RIG-4 refusal basis, RET holds)."""

import pytest

from app.erasure import erase_member, is_erased
from app.errors import UserError
from app.retention.holds import place_hold, release_hold
from tests.factories import make_member


def test_legal_hold_blocks_erasure_until_released(vault, manager):
    mid = make_member(manager, name="周八", mobile="13600001111")
    hold = place_hold(manager, "member", mid, "纠纷-2026-001")
    with pytest.raises(UserError) as e:
        erase_member(manager, mid, ledger_path=vault.paths.erasure_ledger)
    assert e.value.key == "erasure.blocked_hold" and "法律保全" in e.value.message("zh_CN")
    assert not is_erased(manager.db, mid)
    assert manager.db.scalar("SELECT name FROM members WHERE id = ?", (mid,)) == "周八"
    release_hold(manager, hold)
    erase_member(manager, mid, ledger_path=vault.paths.erasure_ledger)
    assert is_erased(manager.db, mid)  # rule: RIG-3
