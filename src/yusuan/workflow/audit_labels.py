"""The audit log names an approval's steps as its frozen route does (``audit.readable``)."""

from __future__ import annotations

from django.utils.translation import get_language

from yusuan.workflow.models import WorkflowInstance


def step_names(object_ids: list[str]) -> dict[str, dict[str, str]]:
    english = (get_language() or "").startswith("en")
    pks = [int(i) for i in object_ids if i.isdigit()]
    found: dict[str, dict[str, str]] = {}
    for pk, route in WorkflowInstance.objects.filter(pk__in=pks).values_list("pk", "route"):
        found[str(pk)] = {
            str(step.get("key")): str(step.get("name_en" if english else "name") or step.get("key"))
            for step in route or []
            if isinstance(step, dict)
        }
    return found
