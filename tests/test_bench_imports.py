"""The benchmark scripts in bench/ are not run by the suite (they take minutes), but every name
they import from yusuan must still exist: a module move (issue 14's rooms) broke one silently."""

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _yusuan_imports(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("yusuan")
        for alias in node.names
    ]


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_bench_script_imports_resolve(script: Path) -> None:
    missing = []
    for module, name in _yusuan_imports(script):
        try:
            found = importlib.import_module(module)
        except ImportError:
            missing.append(module)
            continue
        if not hasattr(found, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{module}.{name}")
    assert missing == [], f"{script.name} imports what no longer exists: {missing}"
