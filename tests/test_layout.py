"""The package layout is the architecture: each stage imports only the stages below it, and
nothing reaches into another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RAG = Path(__file__).resolve().parent.parent / "rag"
BASE = {"config", "errors", "types"}
ALLOWED = {
    "text": set(),
    "ingest": BASE | {"text"},
    "models": {"config", "errors"},
    "index": BASE | {"text", "ingest", "models"},
    "retrieval": BASE | {"text", "index"},
    "answer": BASE | {"text", "retrieval", "models"},
    # who may do what, and what they asked: over the knowledge bases, beside the shells
    "accounts": BASE | {"knowledge"},
    # the HTTP shell: knowledge bases (one pipeline each), uploads into them and watched folders
    # (what the chat page and the CLI use too), the accounts, and the chat page it mounts; nothing deeper
    "server": BASE | {"knowledge", "collections", "accounts", "ui"},
}
TOP_LEVEL = ("__init__.py", "__main__.py", "config.py", "errors.py", "types.py", "pipeline.py", "knowledge.py")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) for every import of a rag module in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "rag":
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.split(".")[0] == "rag"]
    return found


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_a_stage_imports_only_the_stages_below_it(stage):
    wrong = [f"{path.relative_to(RAG)} imports {module}"
             for path in sorted((RAG / stage).rglob("*.py"))
             for module, _ in _imports(path)
             if _stage(module) not in ALLOWED[stage] | {stage, ""}]  # "": rag.__version__
    assert not wrong


def test_no_module_imports_another_modules_private_names():
    private = [f"{path.relative_to(RAG)}: {module}.{name}"
               for path in sorted(RAG.rglob("*.py")) for module, names in _imports(path)
               for name in names if name.startswith("_") and not name.startswith("__")]
    assert not private


def test_the_ui_reads_citations_through_the_citation_grammar_not_verification():
    used = {module for path in (RAG / "ui").rglob("*.py") for module, _ in _imports(path)}
    assert "rag.answer.verify" not in used


def test_at_most_eight_modules_sit_at_the_top_and_every_subpackage_says_what_it_holds():
    top = sorted(p.name for p in RAG.glob("*.py"))
    assert len(top) <= 8 and set(top) <= set(TOP_LEVEL)
    for package in sorted(p.parent for p in RAG.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, f"{package.relative_to(RAG)}/__init__.py has no docstring"
