"""Fails when the Chinese catalogue has an untranslated or fuzzy entry, or a stale .mo file."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "src/yusuan/locale/zh_Hans/LC_MESSAGES/django.po"


def main() -> int:
    catalogue = polib.pofile(str(PO))
    missing = [
        e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    compiled = polib.mofile(str(PO.with_suffix(".mo")))
    stale = {e.msgid for e in catalogue if e.translated()} - {e.msgid for e in compiled}
    for msgid in sorted(stale):
        print(f"not compiled into django.mo: {msgid!r}")
    print(f"{len(catalogue)} entries, {len(missing)} untranslated, {len(stale)} not compiled")
    return 1 if missing or stale else 0


if __name__ == "__main__":
    sys.exit(main())
