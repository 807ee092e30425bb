"""Writes of the personnel database: change documents (R-PS-3), the initial sheet import, the
编制 records (R-PS-2) and the budget snapshot (R-PS-4)."""

from yusuan.personnel.services.changes import (
    ChangeInput,
    change_apply,
    change_create,
    change_update,
)
from yusuan.personnel.services.establishments import EstablishmentInput, establishment_set
from yusuan.personnel.services.sheet import ImportResult, people_import, people_sheet
from yusuan.personnel.services.snapshots import snapshot_take

__all__ = [
    "ChangeInput",
    "EstablishmentInput",
    "ImportResult",
    "change_apply",
    "change_create",
    "change_update",
    "establishment_set",
    "people_import",
    "people_sheet",
    "snapshot_take",
]
