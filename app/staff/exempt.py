"""The one reviewed list of public core functions that take `session` or `tx` and check no permission
themselves (issue #14, SEC-1). tests/app/test_permission_matrix.py walks every module of app/: a public
function or method taking `session`/`tx` either calls `session.require(...)` in its own body, is decorated
with `@app.staff.permissions.requires(PERMISSION)`, or is named here with the reason. The test also fails
on a stale name (renamed, removed, or guarded since). Add a name only after review; prefer guarding.

The kinds of reasons (docs/architecture.md, "Functions that need no permission"):
- IN_TX: a building block taking `tx`. A Tx exists only inside `session.write(...)`, whose caller has
  required the permission of the whole use case and whose audit entry covers the write.
- Readers of the session itself (clock, store, terminal) or of non-personal data.
- Policy that runs itself (the daily retention sweep, the erasure ledger at sign-in): it does only what
  rules or entries authenticated by the store's key make due, whoever is signed in, and audits each batch.
"""

from __future__ import annotations

IN_TX = "building block run inside the caller's session.write (tx): the caller requires the use case's permission"

NO_PERMISSION: dict[str, str] = {
    # building blocks inside the caller's write transaction
    "app.consent.references.record_references": IN_TX + " (adopt_member: member.adopt)",
    "app.consent.merging.join_states": IN_TX + " (apply_member_merge: verified head-office feed)",
    "app.consent.merging.take_grants": IN_TX + " (apply_member_merge: verified head-office feed)",
    "app.consent.service.record_consent": IN_TX + " (registration, re-consent: member.consent / member.register)",
    "app.notices.store.store_default": IN_TX + " (ensure_default_stored; a consent's first use of the shipped default)",
    "app.requests.service.insert_request": IN_TX + " (open_request, open_for_unknown: request.open)",
    "app.requests.unknown.attach_member": IN_TX + " (adopt_member: member.adopt; attach_local: request.handle)",
    "app.members.orders.file_order": IN_TX + " (update_member, record_consent, set_restriction: each requires)",
    "app.erasure.erase_in_tx": IN_TX + " (erase_member: member.erase; retention sweep; head-office orders)",
    "app.erasure.keep_ledger_key": IN_TX + "; stores the ledger's MAC key in meta, reads no personal data",
    "app.erasure.note_refused": IN_TX + "; counts ledger lines that failed their MAC check",
    "app.members.records.cancel_membership_row": IN_TX + " (the members table's one writer)",
    "app.members.records.drop_fields": IN_TX + " (note_corrected_elsewhere: member.update)",
    "app.members.records.erase_member_fields": IN_TX + " (the members table's one writer)",
    "app.members.records.erase_purpose_fields": IN_TX + " (the members table's one writer)",
    "app.members.records.insert_adopted_member": IN_TX + " (adopt_member: member.adopt)",
    "app.members.records.insert_member": IN_TX + " (the members table's one writer)",
    "app.members.records.join_member": IN_TX + " (apply_member_merge: verified head-office feed)",
    "app.members.records.raise_flags": IN_TX + " (apply_member_merge: verified head-office feed)",
    "app.members.records.set_member_no": IN_TX + " (member merge / renumber: verified head-office feed)",
    "app.members.records.mark_reconsent_needed": IN_TX + " (the members table's one writer)",
    "app.members.records.put_field": IN_TX + " (the members table's one writer)",
    "app.members.records.raise_last_purchase": IN_TX + " (the members table's one writer)",
    "app.members.records.set_notice_version": IN_TX + " (the members table's one writer)",
    "app.members.records.set_opt_in_flags": IN_TX + " (the members table's one writer)",
    "app.members.records.set_restricted": IN_TX + " (the members table's one writer)",
    "app.members.records.touch": IN_TX + " (the members table's one writer)",
    "app.members.records.update_core": IN_TX + " (the members table's one writer)",
    "app.notices.store.store_notice": IN_TX + " (import_notice: notice.publish or the verified feed)",
    "app.originals.tracking.register_original": IN_TX + " (scan import and matching: scans.import / scans.match)",
    "app.purchases.records.record_touches": IN_TX + " (POS import: purchase.import)",
    "app.purchases.records.touch_last_purchase": IN_TX + " (purchases: purchase.create / purchase.import)",
    "app.scans.archive.delete_document": IN_TX + " (inbox discard and conflicts: scans.decide)",
    "app.scans.archive.insert_page": IN_TX + " (scan import: scans.import)",
    "app.scans.archive.store_page": IN_TX + " (scan import: scans.import)",
    "app.scans.matching.adopt_waiting_scans": IN_TX + " (registration and re-consent on paper)",
    "app.scans.matching.finish_document": IN_TX + " (scan import and manual matching: scans.import / scans.match)",
    "app.scans.matching.link": IN_TX + " (scan import and manual matching: scans.import / scans.match)",
    "app.scans.matching.lookup_serial": IN_TX + "; reads a form serial's row (no personal data)",
    # readers of the session or of non-personal data; the session's own plumbing
    "app.access.backup.backup_due": "reads one setting and the backup folder's newest file time; writes nothing",
    "app.access.vault.Vault.background_session": "the same person's session on the background connection",
    "app.requests.actions.default_store": "the store's name and address for a letter head (no personal data)",
    "app.requests.actions.ledger_path_for": "the path of the erasure ledger file; reads nothing",
    "app.requests.letters.store_info": "the store's name and address for a letter head (no personal data)",
    "app.requests.service.today_of": "the session clock's date",
    "app.requests.restriction.visible_members_sql": "builds the restricted-member filter from the session's role",
    "app.requests.restriction.require_visible": "is itself an access check (restricted members, RIG-5)",
    "app.sync.engine.SyncEngine.for_session": "builds an engine for the session; its enrol requires sync.enrol",
    # policy that runs itself
    "app.notices.store.ensure_default_stored": "first run or upgrade: stores the shipped default notice when none "
    "exists or the store runs an older shipped default, audited; changes no member's data but the re-consent "
    "flags CON-5 asks for",
    "app.requests.restore.apply_ledger": "at every sign-in: re-applies erasures whose ledger lines carry the "
    "store's MAC (replay_ledger refuses any other line to a non-manager), audited per member",
    "app.retention.sweep.sweep_due": "the retention policy's daily run (main window timer, admin command): "
    "purges only what the rules make due, at most once a day, audited per batch",
    "app.evidence.summary.journal_summaries": "the store's daily evidence summary for head office (main window "
    "timer): journals counts, request numbers and dates, staff ids and roles per month, never a member's data; "
    "audited (evidence.summary)",
    "app.members.queries.visible_members_sql": "returns the WHERE condition for the session's role (RIG-5: "
    "restricted members hidden from clerks); reads no data itself",
    # steps of the daily sweep (sweep_due above): each removes only what its rule makes due, audited with counts
    "app.retention.id_numbers.mask_overdue": "the sweep's RET-4 step: masks ID numbers past the policy's maximum age "
    "(with a sealing cipher it cannot read them; the mask stored at registration replaces them)",
    "app.scans.quarantine.purge_due": "the sweep's step: deletes quarantined files older than 30 days",
    "app.scans.unredacted.purge_due": "the sweep's step: deletes unredacted and held scan pages whose time is up",
    # the scan import's own steps (import_file / the folder poll require scans.import)
    "app.scans.quarantine.quarantine_file": "called by the watched folder's poll (scans.import) for a file the import "
    "refused: stores it encrypted and shreds the plaintext",
    "app.scans.unredacted.hold_page": IN_TX + " (the scan import: scans.import)",
    "app.scans.unredacted.keep_unredacted": IN_TX + " (the scan import: scans.import)",
}
