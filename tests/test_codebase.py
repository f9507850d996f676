"""House rules, checked: layering, docstrings, lint, types, and documented commands."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from lookout.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "app" / "lookout"
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6")
QT_ALLOWED = ("ui", "report")


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_and_recorder_never_import_qt() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in modules()
        if path.relative_to(PACKAGE).parts[0] not in QT_ALLOWED and imported_roots(path) & set(QT_MODULES)
    ]
    assert offenders == []


def test_every_module_opens_with_a_docstring() -> None:
    missing = [
        str(p.relative_to(ROOT)) for p in modules() if ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert missing == []


def test_every_command_has_examples_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    action = next(a for a in parser._subparsers._group_actions)  # type: ignore[union-attr]
    for name, sub in action.choices.items():  # type: ignore[union-attr]
        assert sub.epilog and "examples:" in sub.epilog, name
        assert f"lookout {name}" in readme, f"`lookout {name}` is not documented in README.md"


def test_ruff_is_clean() -> None:
    pytest.importorskip("ruff")
    for args in (["check", "app", "tests"], ["format", "--check", "app", "tests"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_the_package() -> None:
    pytest.importorskip("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [
        block.split("\n", 1)[1].split("```", 1)[0].strip() for block in quick_start.split("```sh")[1:]
    ]
    assert len(commands) == 2, "the Quick start has exactly two commands"
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_the_engine_process_never_loads_redaction_or_qt() -> None:
    """The proxy's memory and start-up must not pay for Presidio, spaCy or Qt."""
    code = (
        "import sys, lookout.proxy.engine, lookout.cli; "
        "heavy = {'presidio_analyzer', 'spacy', 'PySide6', 'pyqtgraph'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
