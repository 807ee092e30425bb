"""R-AJ-6 (DOMAIN-2 C2): a move between units is a 预算调剂, not a 预算调整.

The adjustment subtype ``budget_adjustment`` (预算调整（人大批准）) is gone. Existing adjustment
documents of that subtype are re-labelled by where their money moves: between two units of one
department ``across_units``, between departments ``across_departments``, within one holder
``across_projects`` (the route such a document had: unit, department, finance). Each re-labelled
document gets an audit record, and the facts of its rounds follow. Regions that have the shipped
approval definitions get the two new ones (单位间调剂, 部门间调剂); a definition whose current
version tested ``budget_adjustment`` gets a new version testing ``across_units``.

The basic/project split (R-PJ-7) needs no data migration: nothing stores it. A line's kind of
expenditure is computed from its project's category by ``rules.expenditure_kind`` every time.
"""

from django.db import migrations
from django.utils import timezone

OLD = "budget_adjustment"
OLD_FINANCE_NAME = "预算调剂：项目间调剂、增加三公经费、预算调整（报财政审批）"
NEW_FINANCE_NAME = "预算调剂：项目间调剂、增加三公经费（报财政审批）"
NEW_FINANCE_DESCRIPTION = (
    "项目之间的调剂以及任何增加三公经费的调剂（R-AJ-3），经单位、主管部门审核后报财政业务处室和"
    "预算科审批。业务处室逾期未办的，上报预算科。"
)
DEPARTMENT_STEP = {
    "key": "department_approval",
    "name": "主管部门审核",
    "name_en": "Department review",
    "role": "unit_approver",
    "level": "department",
    "due_working_days": 5,
}
SECTOR_STEP = {
    "key": "sector_review",
    "name": "财政业务处室审核",
    "name_en": "Sector division review",
    "role": "sector_officer",
    "level": "supervising_division",
    "due_working_days": 5,
    "escalate_to": {"role": "budget_officer", "level": "budget_division"},
}
BUDGET_STEP = {
    "key": "budget_approval",
    "name": "预算科审批",
    "name_en": "Budget division approval",
    "role": "budget_officer",
    "level": "budget_division",
    "due_working_days": 5,
}
# As shipped in workflow/data/definitions.json at this release.
NEW_DEFINITIONS = (
    {
        "code": "adjustment-across-units",
        "name": "预算调剂：同一主管部门内单位间调剂（部门审核，报财政审批）",
        "priority": 40,
        "description": "R-AJ-6：同一主管部门下属单位之间的调剂，政府预算总额不变，是预算调剂而非"
        "预算调整，不需人大批准。由主管部门（或财政部门代主管部门）发起，主管部门审核后报财政业务"
        "处室和预算科审批；单位不能发起。",
        "body": {
            "conditions": [{"field": "subtype", "op": "eq", "value": "across_units"}],
            "steps": [DEPARTMENT_STEP, SECTOR_STEP, BUDGET_STEP],
        },
    },
    {
        "code": "adjustment-across-departments",
        "name": "预算调剂：部门间调剂（财政审批）",
        "priority": 45,
        "description": "R-AJ-6：不同主管部门之间的调剂，政府预算总额不变，是预算调剂而非预算调整，"
        "不需人大批准。由财政部门发起，预算科审批（录入人以外的人员）。",
        "body": {
            "conditions": [{"field": "subtype", "op": "eq", "value": "across_departments"}],
            "steps": [BUDGET_STEP],
        },
    },
)


def _department(organisations, pk):
    organisation = organisations.get(pk)
    if organisation is None:
        return None
    for ancestor in reversed([int(x) for x in organisation.path.strip("/").split("/") if x]):
        found = organisations.get(ancestor)
        if found is not None and found.kind == "department":
            return found.pk
    return organisation.pk if organisation.kind == "department" else None


def _subtype(document, lines, organisations):
    holders = set()
    for line in lines:
        if line.source_id is not None:
            holders.add(line.source.organisation_id)
        if line.target_id is not None:
            holders.add(line.target.organisation_id)
        elif line.organisation_id is not None:
            holders.add(line.organisation_id)
    holders.discard(None)
    if len(holders) <= 1:
        return "across_projects"
    departments = {_department(organisations, pk) for pk in holders}
    if len(departments) == 1 and None not in departments:
        return "across_units"
    return "across_departments"


def relabel_documents(apps, schema_editor):
    document_model = apps.get_model("indicators", "IndicatorDocument")
    line_model = apps.get_model("indicators", "DocumentLine")
    organisation_model = apps.get_model("core", "Organisation")
    instance_model = apps.get_model("workflow", "WorkflowInstance")
    record_model = apps.get_model("audit", "AuditRecord")
    documents = list(document_model.objects.filter(kind="adjust", subtype=OLD).order_by("pk"))
    if not documents:
        return
    organisations = {o.pk: o for o in organisation_model.objects.all()}
    for document in documents:
        lines = line_model.objects.filter(document=document).select_related("source", "target")
        subtype = _subtype(document, list(lines), organisations)
        document_model.objects.filter(pk=document.pk).update(subtype=subtype)
        for instance in instance_model.objects.filter(
            document_type="indicators.adjustment", object_id=str(document.pk)
        ):
            facts = dict(instance.facts or {})
            if facts.get("subtype") == OLD:
                facts["subtype"] = subtype
                instance_model.objects.filter(pk=instance.pk).update(facts=facts)
        record_model.objects.create(
            occurred_at=timezone.now(),
            action="indicators.subtype_relabelled",
            object_type="indicators.indicatordocument",
            object_id=str(document.pk),
            object_repr=document.number,
            mof_div_code=document.mof_div_code,
            fiscal_year=document.fiscal_year,
            subject_organisation_id=document.organisation_id,
            changes={"subtype": [OLD, subtype]},
            extra={"reason": "R-AJ-6: moves between units are 预算调剂, not 预算调整"},
        )


def _replace(value):
    if value == OLD:
        return "across_units"
    if isinstance(value, list):
        return ["across_units" if v == OLD else v for v in value]
    return value


def update_definitions(apps, schema_editor):
    definition_model = apps.get_model("workflow", "ApprovalDefinition")
    version_model = apps.get_model("workflow", "DefinitionVersion")
    regions = definition_model.objects.filter(
        code="adjustment-finance", document_type="indicators.adjustment"
    ).values_list("mof_div_code", flat=True)
    for mof_div_code in sorted(set(regions)):
        for item in NEW_DEFINITIONS:
            if definition_model.objects.filter(mof_div_code=mof_div_code, code=item["code"]):
                continue
            definition = definition_model.objects.create(
                mof_div_code=mof_div_code,
                code=item["code"],
                name=item["name"],
                document_type="indicators.adjustment",
                description=item["description"],
                priority=item["priority"],
            )
            version_model.objects.create(
                definition=definition,
                number=1,
                body=item["body"],
                note="系统预置 / shipped default (R-AJ-6)",
            )
    definition_model.objects.filter(code="adjustment-finance", name=OLD_FINANCE_NAME).update(
        name=NEW_FINANCE_NAME, description=NEW_FINANCE_DESCRIPTION
    )
    for definition in definition_model.objects.filter(document_type="indicators.adjustment"):
        current = version_model.objects.filter(definition=definition).order_by("-number").first()
        if current is None:
            continue
        body = current.body
        conditions = [*body.get("conditions", [])]
        steps = [*body.get("steps", [])]
        used = any(
            c.get("field") == "subtype" and _replace(c.get("value")) != c.get("value")
            for c in conditions + [c for s in steps for c in s.get("conditions", [])]
        )
        if not used:
            continue

        def fixed(items):
            return [
                {**c, "value": _replace(c.get("value"))} if c.get("field") == "subtype" else c
                for c in items
            ]

        new_body = {
            **body,
            "conditions": fixed(conditions),
            "steps": [{**s, "conditions": fixed(s.get("conditions", []))} for s in steps],
        }
        version_model.objects.create(
            definition=definition,
            number=current.number + 1,
            body=new_body,
            note="R-AJ-6: budget_adjustment → across_units",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0008_line_transfer_references"),
        ("workflow", "0003_ordering_by_column"),
        ("audit", "0004_securityeventtally"),
        ("core", "0002_document_sequence"),
    ]

    operations = [
        migrations.RunPython(relabel_documents, migrations.RunPython.noop),
        migrations.RunPython(update_definitions, migrations.RunPython.noop),
    ]
