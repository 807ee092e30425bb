"""Declarations in and out of Excel (issue 17 item 1): a unit clerk's batch of new draft projects
with their plans, calculation rows, goal indicators and basis documents, and the same workbook
written from existing projects (exporting and importing again gives the same projects).

The workbook has one sheet per part of a declaration, each row tied to its project by the row
key (行键) of the 项目 sheet: 项目 / 分年度计划 / 测算明细 / 绩效指标 / 立项依据 (and 说明, read by
people only). Headers may be Chinese or English, as in every import (``common.tabular``).

An import reads the file within the upload bounds (``YUSUAN_UPLOAD_*``: size, unpacked size,
compression ratio, rows, columns, time), then creates each project through the services a page
uses (``project_create``, ``project_set_plans``, ``project_set_calculation``,
``project_set_goal``, ``project_add_document``), so the checks, their error codes and the audit
trail are the same. Every problem of every sheet is reported at once, placed on its sheet, row and
column (``field`` = ``<sheet>[<row>].<column>``, e.g. ``calculation[7].unit_price``); if there
is one, nothing is kept (one transaction).

One module per part: ``sheets`` (the workbook's sheets, columns and the words they use),
``reading`` (the file read within the bounds, its rows by column, values read and errors placed
on their sheet, row and column), ``importing`` (the projects created through their services) and
``writing`` (the workbook of existing projects, and the empty template).
"""

from yusuan.projects.exchange.importing import ImportResult, declarations_import
from yusuan.projects.exchange.reading import read_workbook
from yusuan.projects.exchange.writing import MAX_EXPORT_PROJECTS, bounded_export, write_workbook

__all__ = [
    "MAX_EXPORT_PROJECTS",
    "ImportResult",
    "bounded_export",
    "declarations_import",
    "read_workbook",
    "write_workbook",
]
