"""What a scheduled job reports besides its detail line (``wijzer/jobs.py`` records it in ``job_run``)."""

from __future__ import annotations


class JobFailed(RuntimeError):
    """The job did part of its work and must report failure (e.g. some e-mails could not be sent)."""
