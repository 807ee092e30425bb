"""Reading settings from the environment, with a help text per variable.

Every variable read here is recorded in ``DOCUMENTED`` so that ``docs/operations/configuration.md``
can be generated from the code (Open Zaak's ``config(..., documentation=...)`` idea).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: str
    help_text: str


DOCUMENTED: dict[str, EnvVar] = {}


def env_str(name: str, default: str, help_text: str) -> str:
    DOCUMENTED[name] = EnvVar(name, default, help_text)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool, help_text: str) -> bool:
    raw = env_str(name, "true" if default else "false", help_text)
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, help_text: str) -> int:
    return int(env_str(name, str(default), help_text))


def env_list(name: str, default: str, help_text: str) -> list[str]:
    return [item.strip() for item in env_str(name, default, help_text).split(",") if item.strip()]
