"""Logging filters for the console (issue 16: the dev server printed a traceback per 403)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class QuietForbidden(logging.Filter):
    """A refused request (403) is a normal answer, recorded as a security event (ADR 0016): keep
    Django's one line ("Forbidden (Permission denied): /path"), drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
