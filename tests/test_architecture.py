"""The direction of imports: `people` is a leaf app; benchmark code stays out of production."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder):
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                yield path, *(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module


def test_people_imports_nothing_from_articles():
    offenders = [
        (str(path.relative_to(ROOT)), module)
        for path, *modules in imported_modules("people")
        for module in modules
        if module == "articles" or module.startswith("articles.")
    ]
    assert offenders == []


def test_production_code_never_imports_the_benchmarks():
    offenders = [
        (str(path.relative_to(ROOT)), module)
        for folder in ("articles", "people", "newsroom")
        for path, *modules in imported_modules(folder)
        for module in modules
        if module == "bench" or module.startswith("bench.")
    ]
    # newsroom/settings.py names bench.urls as a string, only with NEWSROOM_BENCH_VIEWS=1.
    assert offenders == []
