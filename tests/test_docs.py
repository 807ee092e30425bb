"""The documents that describe the code stay true to it (issue 14 item 7): CONTEXT.md's table of
every model lists each concrete model of every yusuan app, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
CONTEXT = ROOT / "CONTEXT.md"
MODELS_HEADING = "## Every model"


def models_table() -> dict[str, str]:
    """Model name → its "Home" cell, from the table under CONTEXT.md's "Every model" heading."""
    text = CONTEXT.read_text(encoding="utf-8")
    assert MODELS_HEADING in text, f"CONTEXT.md has no {MODELS_HEADING!r} section"
    section = text.split(MODELS_HEADING, 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and (name := re.fullmatch(r"`(\w+)`", cells[1])):
            rows[name.group(1)] = cells[2]
    return rows


def yusuan_models() -> dict[str, str]:
    """Every concrete model of an installed yusuan app (no abstract or proxy model, nor one of
    a test-only app under a ``tests`` package): name → app."""
    return {
        model.__name__: model._meta.app_label
        for model in apps.get_models()
        if model._meta.app_config is not None
        and model._meta.app_config.name.startswith("yusuan.")
        and ".tests" not in model.__module__
        and not model._meta.proxy
    }


def test_every_model_is_in_the_glossary() -> None:
    table, models = models_table(), yusuan_models()
    missing = sorted(set(models) - set(table))
    assert not missing, (
        "CONTEXT.md's 'Every model' table lacks: "
        + ", ".join(f"{name} ({models[name]})" for name in missing)
        + ". Add a row: | 中文 | `Name` | `app` | one line of meaning |"
    )


def test_the_glossary_names_no_model_that_is_gone() -> None:
    stale = sorted(set(models_table()) - set(yusuan_models()))
    assert not stale, f"CONTEXT.md's 'Every model' table names models that do not exist: {stale}"


def test_each_model_is_listed_under_its_app() -> None:
    """The Home cell names the app that holds the model now (and may name where it is going)."""
    table = models_table()
    wrong = [
        f"{name}: {table[name]!r} does not mention `{app}`"
        for name, app in yusuan_models().items()
        if f"`{app}`" not in table.get(name, f"`{app}`")
    ]
    assert wrong == []
