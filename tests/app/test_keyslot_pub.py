"""A slot's `pub` in keyslots.json is bound to the data key (app.storage.keyslots, format 2): someone who can
write the file cannot make a manager's step-up seal the field private key to a key pair of their own."""

from __future__ import annotations

import json

import pytest

from app.errors import StoreError
from app.staff.service import add_staff
from app.storage import keyslots as ks, sealing
from tests.conftest import MANAGER_PW

BOSS2_PW = "Boss2-pass-12"


def _edit(paths, username: str, **changes) -> None:
    """Edit a staff slot in the file as someone with write access to it would (None: remove the key)."""
    slots = ks.KeySlotFile.load(paths.keyslots)
    slot = slots.staff_slot(username)
    assert slot is not None
    for key, value in changes.items():
        if value is None:
            slot.pop(key, None)
        else:
            slot[key] = value
    slots.save()


def _step_up_refused(vault) -> pytest.ExceptionInfo[StoreError]:
    """The first manager's step-up, which gives the field key to manager slots waiting for it, refused."""
    with pytest.raises(StoreError) as ei, vault.step_up("manager", MANAGER_PW):
        pass
    return ei


def test_a_substituted_pub_is_refused_before_the_field_key_is_sealed_to_it(vault, manager, paths):
    # a manager added without the acting manager's password waits for the field key at the next step-up
    add_staff(vault, manager, username="boss2", display_name="赵店长", role="manager", password=BOSS2_PW)
    attacker = sealing.new_private_key()
    _edit(paths, "boss2", pub=sealing.public_bytes(attacker).hex())
    ei = _step_up_refused(vault)
    assert ei.value.key == "store.keyslot_pub_unverified"
    assert "公钥未通过校验" in ei.value.message("zh_CN")  # a clear message, in both languages
    assert "failed its check" in ei.value.message("en")
    slot = ks.KeySlotFile.load(paths.keyslots).staff_slot("boss2")
    assert slot is not None and "field_key" not in slot  # nothing was sealed to the attacker's key: rule: SEN-3
    # dropping the MAC does not help: a pub without one is never sealed to
    _edit(paths, "boss2", pub_mac=None)
    ei = _step_up_refused(vault)
    assert ei.value.key == "store.keyslot_pub_unverified"  # rule: SEN-3
    # the slot's owner signing in puts the true pub back (derived from their password), then the wrap goes ahead
    vault.lock()
    vault.sign_in("boss2", BOSS2_PW)
    repaired = ks.KeySlotFile.load(paths.keyslots).staff_slot("boss2")
    assert repaired is not None and repaired["pub"] != sealing.public_bytes(attacker).hex()
    vault.lock()
    vault.sign_in("manager", MANAGER_PW)
    with vault.step_up("manager", MANAGER_PW):
        pass
    with vault.step_up("boss2", BOSS2_PW) as up:  # boss2 now holds the field key, under the true pub
        assert up.cipher.can_open_sealed


def test_a_format_1_file_is_vouched_for_once_at_the_first_sign_in(vault, manager, paths):
    add_staff(vault, manager, username="boss2", display_name="赵店长", role="manager", password=BOSS2_PW)
    vault.lock()
    data = json.loads(paths.keyslots.read_text("utf-8"))  # the file as the version before wrote it
    data["format"] = 1
    for slot in data["slots"]:
        slot.pop("pub_mac", None)
    paths.keyslots.write_text(json.dumps(data), "utf-8")
    vault.sign_in("manager", MANAGER_PW)  # the upgrade: every pub present gets its MAC, the file format 2
    upgraded = ks.KeySlotFile.load(paths.keyslots)
    assert upgraded.format == ks.FORMAT == 2
    data_key = vault.data_key()
    assert all(upgraded.pub_verified(s, data_key) for s in upgraded.slots)
    with vault.step_up("manager", MANAGER_PW):  # boss2's pub, vouched at the upgrade, gets the field key
        pass
    with vault.step_up("boss2", BOSS2_PW) as up:
        assert up.cipher.can_open_sealed
    # after the upgrade, a pub edited in the file is refused
    _edit(paths, "boss2", pub=sealing.public_bytes(sealing.new_private_key()).hex(), field_pub=None, field_key=None)
    ei = _step_up_refused(vault)
    assert ei.value.key == "store.keyslot_pub_unverified"  # rule: SEN-3


def test_a_mac_made_under_another_data_key_does_not_verify(vault, manager, paths):
    slots = ks.KeySlotFile.load(paths.keyslots)
    slot = slots.staff_slot("manager")
    assert slot is not None and slots.pub_verified(slot, vault.data_key())
    assert not slots.pub_verified(slot, bytes(32))
