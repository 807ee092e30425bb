"""Scoped querysets: every list, detail, fragment and API endpoint filters through ``visible_to``."""

from __future__ import annotations

from typing import Self, TypeVar

from django.db import models

from yusuan.common.scope import ScopedActor

_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """Filters by the actor's regions and, unless region-wide, by the owning organisation.

    The model names the path to its owning organisation's pk in ``SCOPE_ORGANISATION_LOOKUP``;
    ``None`` means region-wide reference data (fiscal years, code sets) that everyone in it sees.
    """

    def visible_to(self, actor: ScopedActor) -> Self:
        scope = actor.scope
        queryset = self.filter(mof_div_code__in=scope.mof_div_codes)
        lookup: str | None = getattr(self.model, "SCOPE_ORGANISATION_LOOKUP", None)
        if lookup is not None and scope.organisation_ids is not None:
            queryset = queryset.filter(**{f"{lookup}__in": scope.organisation_ids})
        return queryset

    def in_region(self, mof_div_code: str) -> Self:
        return self.filter(mof_div_code=mof_div_code)


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
