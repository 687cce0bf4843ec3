"""Consent records (issue #3): app.consent.service."""
