"""Access to the encrypted store by people: sign-in and key slots (`vault.Vault`), key rotation (`rekey`),
encrypted backups and restores (`backup`).

These sit above app.staff (sessions, permissions, sign-in throttle) and app.settings, which they use;
app.storage below them (database, key-slot file, field cipher, migrations) knows nothing of staff or settings.
"""
