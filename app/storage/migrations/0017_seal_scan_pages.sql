-- Issue #16 (SEN-3): the unredacted and held scan pages (scan_unredacted.image, scan_held.image) are now sealed to
-- the store's field public key like the other sensitive columns (app.storage.fieldcrypt, sealed=True). Pages
-- written before are AES-GCM under the field key, which any session's data key derives. Forgetting the marker of
-- the one-time sealing makes the next sign-in seal them (app.access.fieldkeys.seal_legacy, audited
-- store.fields_sealed; values already sealed are skipped), or the first manager sign-in of a store that has no
-- field key pair yet.
DELETE FROM meta WHERE key = 'fields_sealed_at';
