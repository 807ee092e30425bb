"""Pages link a project only for viewers its page opens for: wj_treasury (no project
permission) saw links to /projects/N on indicator lines and approval rounds and got a 403."""

from __future__ import annotations

from typing import Any

import pytest

from yusuan.indicators.models import IndicatorLine
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db


def _visible_line_with_project(client: Any) -> IndicatorLine:
    for line in IndicatorLine.objects.filter(project__isnull=False).select_related("project"):
        if client.get(f"/indicators/lines/{line.pk}/").status_code == 200:
            return line
    raise AssertionError("no indicator line with a project in the demo")


def test_a_line_names_its_project_without_a_link_for_a_viewer_it_does_not_open_for(
    client_as: Any,
) -> None:
    treasury = client_as("wj_treasury")
    line = _visible_line_with_project(treasury)
    project_url = f"/projects/{line.project_id}/"
    assert treasury.get(project_url).status_code == 403  # why there must be no link
    html = treasury.get(f"/indicators/lines/{line.pk}/").content.decode()
    assert f'href="{project_url}"' not in html
    assert f"{line.project.code} {line.project.name}" in html


def test_a_line_links_its_project_for_a_viewer_it_opens_for(client_as: Any) -> None:
    budget = client_as("wj_budget")
    line = _visible_line_with_project(budget)
    project_url = f"/projects/{line.project_id}/"
    assert budget.get(project_url).status_code == 200
    html = budget.get(f"/indicators/lines/{line.pk}/").content.decode()
    assert f'href="{project_url}"' in html


def test_an_approval_round_links_its_project_only_for_who_may_open_it(client_as: Any) -> None:
    treasury = client_as("wj_treasury")
    instance = next(
        i
        for i in WorkflowInstance.objects.filter(document_type="projects.declaration")
        if treasury.get(f"/workflow/instances/{i.pk}/").status_code == 200
    )
    assert treasury.get(instance.url).status_code == 403
    page = treasury.get(f"/workflow/instances/{instance.pk}/").content.decode()
    assert f'href="{instance.url}"' not in page

    submitter = client_as(instance.submitted_by.username)
    assert submitter.get(instance.url).status_code == 200
    page = submitter.get(f"/workflow/instances/{instance.pk}/").content.decode()
    assert f'href="{instance.url}"' in page
