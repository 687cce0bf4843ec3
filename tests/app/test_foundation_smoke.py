from app.audit import chain


def test_setup_and_sign_in(vault, manager, clerk):
    assert manager.staff.is_manager
    assert clerk.staff.role == "clerk"
    assert chain.verify(vault.db).ok
