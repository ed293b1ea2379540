"""The docs are kept honest: every `rag` command shown in a code block of README.md, docs/ and
eval/README.md parses with the real CLI, every setting and RAG_ variable they name exists,
docs/configuration.md has one row for each setting and no other, and every relative link
resolves."""

from __future__ import annotations

import dataclasses
import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT

from rag.cli.main import build_parser
from rag.config import Config

PAGES = sorted([ROOT / "README.md", ROOT / "eval" / "README.md", *(ROOT / "docs").glob("*.md")])
SETTINGS = {field.name for field in dataclasses.fields(Config)}
NOT_SETTINGS = {"RAG_CONFIG", "RAG_API_KEY", "RAG_FUZZ_EXAMPLES"}  # variables of their own, not RAG_<SETTING>
_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```", re.S | re.M)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def code_blocks(page: Path) -> list[str]:
    """The code blocks of a page, but those marked ```text (pictures, output)."""
    return [body for lang, body in _FENCE.findall(page.read_text(encoding="utf-8")) if lang.strip() != "text"]


def rag_commands(block: str) -> list[str]:
    """The `rag ...` command lines of a shell block (in a block with `$ ` prompts, only the
    prompted lines: the rest is output): continuations, comments, redirections, `&&` chains,
    pipes and leading VAR=value assignments taken off. A synopsis with [optional] parts is no
    command line."""
    text = re.sub(r"\\\n\s*", " ", block)
    prompted = any(line.lstrip().startswith("$ ") for line in text.splitlines())
    commands = []
    for line in text.splitlines():
        line = line.strip()
        if prompted and not line.startswith("$ "):
            continue
        line = re.sub(r"\s\d?>>?\s*\S+", "", line.removeprefix("$ ")).strip()
        for part in re.split(r"&&|\|\||;|\|(?!\S*')", line):
            part = part.strip()
            part = re.sub(r"^(\w+=\S+\s+)+", "", part)  # RAG_X=1 rag ...
            part = part.split("  #", 1)[0].split(" # ", 1)[0].strip()
            if part.startswith("rag ") and not re.search(r"\s\[-?-?[A-Za-z.…]", part):
                commands.append(part)
    return commands


def all_commands() -> list[tuple[str, str]]:
    return [(page.relative_to(ROOT).as_posix(), command) for page in PAGES for block in code_blocks(page)
            for command in rag_commands(block)]


def test_the_docs_show_commands_to_check():
    assert len(all_commands()) >= 30 and len(PAGES) >= 9


@pytest.mark.parametrize("page, command", all_commands())
def test_every_rag_command_shown_parses(page, command):
    parser = build_parser()
    words = shlex.split(command.replace("…", "x"))[1:]
    try:
        parser.parse_args(words)
    except SystemExit as exc:
        pytest.fail(f"{page}: `{command}` does not parse (exit {exc.code})")


def test_the_configuration_page_has_one_row_for_each_setting_and_no_other():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*`([a-z0-9_]+)`\s*\|", page, re.M)
    assert sorted(set(SETTINGS) - set(rows)) == [], "settings missing from docs/configuration.md"
    assert sorted(set(rows) - set(SETTINGS)) == [], "rows naming no setting"
    assert len(rows) == len(set(rows)), "a setting has two rows"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_rag_variable_named_is_a_setting(page):
    text = page.read_text(encoding="utf-8")
    named = set(re.findall(r"\bRAG_([A-Z0-9_]+)\b", text))
    unknown = sorted(f"RAG_{n}" for n in named if n.lower() not in SETTINGS and f"RAG_{n}" not in NOT_SETTINGS
                     and not n.endswith("_"))  # RAG_<SETTING> itself
    assert not unknown


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_setting_named_as_one_exists(page):
    text = page.read_text(encoding="utf-8")
    named = set(re.findall(r"[Ss]etting `([a-z0-9_]+)`", text)) | set(re.findall(r"`([a-z0-9_]+)` setting", text))
    named |= set(re.findall(r"\(setting ([a-z0-9_]+)\)", text))
    assert sorted(named - SETTINGS) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    broken = [target for target in _LINK.findall(text)
              if not re.match(r"[a-z]+:|#", target) and not (page.parent / target.split("#", 1)[0]).exists()]
    assert not broken
