-- Issue #16 (SEN-3): quarantined scan files (scan_quarantine.data) may be unredacted form pages; they are now sealed
-- to the store's field public key like the unredacted and held pages (app.storage.fieldcrypt, sealed=True). Files
-- quarantined before are AES-GCM under the field key, which any session's data key derives. Forgetting the marker
-- of the one-time sealing makes the next sign-in seal them (app.access.fieldkeys.seal_legacy, audited
-- store.fields_sealed; values already sealed are skipped), or the first manager sign-in of a store that has no
-- field key pair yet.
DELETE FROM meta WHERE key = 'fields_sealed_at';
