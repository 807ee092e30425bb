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


# --- ADR 0024: every 技术标准 abbreviation in a model or the API is in the ADR's table ------------

ADR_0024 = ROOT / "docs" / "adr" / "0024-technical-standard-field-names.md"
# The standard's abbreviations, as words of a name (``exp_func_code`` → exp, func, code).
STANDARD_WORDS = {
    "mof", "div", "exp", "func", "bgt", "eco", "gov", "pur", "sal", "dir", "thr", "acc", "pro",
    "doc", "agency",
}  # fmt: skip


def adr_0024_names() -> set[str]:
    """The backticked names of the first column of ADR 0024's table."""
    names: set[str] = set()
    for line in ADR_0024.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`(\w+)`", line.split("|")[1]))
    return names


def used_names() -> dict[str, str]:
    """Every model field and every API property or parameter name → where it was seen."""
    from django.test import Client

    found = {
        field.name: f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("yusuan.")
        for field in model._meta.concrete_fields
    }
    document = Client().get("/api/v1/openapi.json").json()
    for schema_name, schema in document["components"]["schemas"].items():
        for name in schema.get("properties", {}):
            found.setdefault(name, f"API schema {schema_name}")
    for path, methods in document["paths"].items():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                found.setdefault(parameter["name"], f"API {path}")
    return found


def test_every_standard_abbreviation_is_in_adr_0024() -> None:
    table = adr_0024_names()
    missing = sorted(
        f"{name} ({where})"
        for name, where in used_names().items()
        if STANDARD_WORDS & set(name.lower().split("_")) and name not in table
    )
    assert not missing, (
        "names with a 技术标准 abbreviation that ADR 0024's table lacks (add a row with the "
        f"standard's name, its Chinese and English meaning): {missing}"
    )


def test_adr_0024_table_is_read() -> None:
    """Positive control: the table parses and holds the names the issue named."""
    assert {"exp_func_code", "is_gov_pur", "mof_div_code", "project_code"} <= adr_0024_names()
