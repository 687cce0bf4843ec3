"""The steps of the registration flow (app.flows.registration), shared with its paper mode."""

from __future__ import annotations

from enum import Enum


class Step(str, Enum):  # noqa: UP042 - str(Step.X) stays "Step.X" (StrEnum would change it)
    FORM = "form"  # paper: which signed form is being entered
    NOTICE = "notice"
    CONSENT = "consent"
    SENSITIVE = "sensitive"
    FIELDS = "fields"
    REVIEW = "review"
    DONE = "done"
    EXISTING = "existing"
