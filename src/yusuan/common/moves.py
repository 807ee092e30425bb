"""Moving a model from one app to another without touching its rows (issue 14, ADR 0025).

The model's table is kept and renamed (``SeparateDatabaseAndState`` + ``AlterModelTable`` in the
migrations); :func:`move_content_type` moves its content type to the new app label, so that its
permission rows — and every role that was granted them — keep their ids and now read
``<new app>.<codename>``.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _relabel(apps: Any, alias: str, model: str, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    found = content_type.objects.using(alias).filter(app_label=source, model=model)
    if not found.exists():
        return  # a fresh database: post_migrate creates the content type under the new app
    # A stray type under the new label (post_migrate of a partial migrate) has no grants that
    # matter more than the old type's: the old one, with its permissions, takes the label.
    content_type.objects.using(alias).filter(app_label=target, model=model).delete()
    found.update(app_label=target)


def move_content_type(model: str, *, source: str, target: str) -> migrations.RunPython:
    """The RunPython that relabels ``source.model`` as ``target.model``, and back when reversed."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, schema_editor.connection.alias, model, source, target)

    def backwards(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, schema_editor.connection.alias, model, target, source)

    return migrations.RunPython(forwards, backwards)
