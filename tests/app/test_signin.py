"""Personal sign-in with key slots, back-off, disabled staff, recovery, rekey."""

import json

import pytest

from app.access.rekey import begin_rekey, finish_rekey
from app.access.vault import Vault
from app.errors import SignInError, StoreError
from app.staff import service
from app.storage.fieldcrypt import FieldCipher, register_column
from tests.conftest import CLERK_PW, MANAGER_PW
from tests.factories import make_member


def test_wrong_password_then_right(vault, manager):
    vault.lock()
    with pytest.raises(SignInError) as e:
        vault.sign_in("manager", "not-the-password")
    assert e.value.message("zh_CN") == "用户名或密码不正确。"
    assert vault.db is None
    session = vault.sign_in("manager", MANAGER_PW)
    assert session.staff.is_manager


def test_unknown_user_gets_the_same_message(vault, manager):
    vault.lock()
    with pytest.raises(SignInError) as e:
        vault.sign_in("nobody", "whatever-pw")
    assert e.value.key == "signin.wrong"


def test_backoff_is_exponential_and_survives_restart(vault, manager, clock, paths):
    vault.lock()
    for _ in range(3):
        with pytest.raises(SignInError):
            vault.sign_in("manager", "bad-password")
    with pytest.raises(SignInError) as e:
        vault.sign_in("manager", MANAGER_PW)  # even the right password waits now
    assert e.value.key == "signin.throttled" and e.value.params["seconds"] == 5
    restarted = Vault(paths, clock=clock)  # a new process: the state is on disk
    with pytest.raises(SignInError) as e:
        restarted.sign_in("manager", MANAGER_PW)
    assert e.value.key == "signin.throttled"
    clock.advance(seconds=6)
    with pytest.raises(SignInError):
        restarted.sign_in("manager", "bad-again")  # 4th failure: 10 s
    clock.advance(seconds=6)
    with pytest.raises(SignInError) as e:
        restarted.sign_in("manager", MANAGER_PW)
    assert e.value.params["seconds"] == 4
    clock.advance(seconds=5)
    assert restarted.sign_in("manager", MANAGER_PW).staff.username == "manager"
    restarted.close()


def test_disabled_staff_is_told_so(vault, manager, clerk):
    service.set_disabled(vault, manager, clerk.staff.id, True)
    vault.lock()
    with pytest.raises(SignInError) as e:
        vault.sign_in("clerk", CLERK_PW)
    assert e.value.key == "signin.disabled"
    assert "停用" in e.value.message("zh_CN")


def test_keyslot_file_holds_no_personal_data(vault, manager, clerk, paths):
    text = paths.keyslots.read_text("utf-8")
    for personal in ("王店长", "李店员", "manager", "clerk", "上海南京路店"):
        assert personal not in text  # rule: STO-1
    data = json.loads(text)
    assert {s["kind"] for s in data["slots"]} == {"staff", "recovery"}


def test_missing_or_corrupt_keyslot_file(vault, manager, paths):
    vault.lock()
    good = paths.keyslots.read_bytes()
    paths.keyslots.unlink()
    with pytest.raises(StoreError) as e:
        vault.sign_in("manager", MANAGER_PW)
    assert e.value.key == "store.keyslots_missing"
    paths.keyslots.write_bytes(good[: len(good) // 2])
    with pytest.raises(StoreError) as e:
        vault.sign_in("manager", MANAGER_PW)
    assert e.value.key == "store.keyslots_corrupt"
    tampered = json.loads(good)
    for s in tampered["slots"]:
        s["wrapped"] = s["wrapped"][:-2] + ("00" if s["wrapped"][-2:] != "00" else "11")
    paths.keyslots.write_text(json.dumps(tampered))
    with pytest.raises(SignInError):
        vault.sign_in("manager", MANAGER_PW)
    paths.keyslots.write_bytes(good)
    assert vault.sign_in("manager", MANAGER_PW)


def test_forgotten_password_reset_with_recovery_key(vault, manager):
    recovery = manager.recovery_key
    vault.lock()
    with pytest.raises(SignInError) as e:
        vault.reset_password_with_recovery("AAAA-" * 12 + "AAAA", "manager", "New-password-9")
    assert e.value.key == "signin.recovery_wrong"
    session = vault.reset_password_with_recovery(recovery.lower(), "manager", "New-password-9")
    assert session.staff.username == "manager"
    vault.lock()
    with pytest.raises(SignInError):
        vault.sign_in("manager", MANAGER_PW)
    assert vault.sign_in("manager", "New-password-9")


def test_change_own_password(vault, clerk):
    with pytest.raises(SignInError):
        service.change_own_password(vault, clerk, "wrong-old-pw", "Another-pass-1")
    service.change_own_password(vault, clerk, CLERK_PW, "Another-pass-1")
    vault.lock()
    assert vault.sign_in("clerk", "Another-pass-1").staff.role == "clerk"


def test_rekey_keeps_data_and_field_ciphertexts(vault, manager, paths):
    register_column("t_secret", "id", "value")  # a stand-in for a domain's encrypted column
    cipher = FieldCipher(vault.data_key())
    mid = make_member(manager, name="赵六", mobile="13912345678")
    with manager.db.transaction() as conn:
        conn.execute("CREATE TABLE t_secret(id TEXT PRIMARY KEY, value TEXT)")
        conn.execute(
            "INSERT INTO t_secret(id, value) VALUES ('secret', ?)",
            (cipher.encrypt("440301199001011234", "t_secret", "value", "secret"),),
        )
    old_db = paths.db.read_bytes()
    plan = begin_rekey(vault, manager, MANAGER_PW)
    finish_rekey(vault, plan, plan.recovery_key)
    new_recovery = plan.recovery_key
    assert new_recovery != manager.recovery_key
    session = vault.sign_in("manager", MANAGER_PW)
    assert session.db.scalar("SELECT name FROM members WHERE id = ?", (mid,)) == "赵六"
    token = session.db.scalar("SELECT value FROM t_secret WHERE id='secret'")
    assert FieldCipher(vault.data_key()).decrypt(token, "t_secret", "value", "secret") == "440301199001011234"
    assert paths.db.read_bytes()[:4096] != old_db[:4096]
    vault.lock()
    with pytest.raises(SignInError):
        vault.reset_password_with_recovery(manager.recovery_key, "manager", "Whatever-pw-1")  # old key dead
    assert vault.reset_password_with_recovery(new_recovery, "manager", "Whatever-pw-1")
    from app.storage import fieldcrypt

    fieldcrypt.ENCRYPTED_COLUMNS.remove(("t_secret", "id", "value"))


def test_rekey_interrupted_before_swap_rolls_back(vault, manager, paths):
    (paths.db.with_name("memberdesk.db.new")).write_bytes(b"partial")
    (paths.keyslots.with_name("keyslots.json.new")).write_text("{}")
    vault.lock()
    assert vault.sign_in("manager", MANAGER_PW)
    assert not paths.db.with_name("memberdesk.db.new").exists()
