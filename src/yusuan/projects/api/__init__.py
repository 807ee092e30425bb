"""Project library endpoints of /api/v1 (项目库): the scoped list and detail, enter a draft, edit a
draft, submit it for declaration. Each calls the service its page calls; approvals go through
``/workflow/instances/{id}/…`` like every document type's (the document-type kit).

One module per what they hold: ``projects`` (the list, a project, enter, edit and submit a
draft), ``declaration`` (what a declaration holds: plans, calculation, goal, documents, reviews),
``library`` (ranking, 项目调整, endings, rolling the library), ``reports`` (the library list and
reports, the 绩效目标表, the declaration workbook in and out) and ``basic`` (basic expenditure by
quota); ``common`` has what they share. ``yusuan.api.root`` registers ``ROUTERS``, in this order
(the order the single router had, so the URL patterns and the OpenAPI document keep theirs).
"""

from yusuan.projects.api import basic, declaration, library, projects, reports

ROUTERS = (projects.router, declaration.router, library.router, reports.router, basic.router)
