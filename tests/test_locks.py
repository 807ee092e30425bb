"""Rows are locked only through an app's ``locks.py`` (Saleor's ``lock_objects``): one function
per locked set, in pk order, so the lock order of every transaction can be read in one place."""

import re
from pathlib import Path

import yusuan

SOURCE = Path(yusuan.__file__).parent


def test_select_for_update_appears_only_in_locks_modules() -> None:
    # Given every source file outside tests and migrations,
    stray = [
        f"{path.relative_to(SOURCE)}:{number}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path.name != "locks.py" and "tests" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bselect_for_update\(", line)
    ]
    # Then none takes a row lock of its own.
    assert stray == []


def test_each_queryset_lock_orders_by_its_key() -> None:
    for path in sorted(SOURCE.rglob("locks.py")):
        text = path.read_text(encoding="utf-8")
        for call in re.findall(r"return [^\n]*select_for_update\([^\n]*", text):
            assert "order_by(" in call, f"{path.relative_to(SOURCE)}: {call}"
