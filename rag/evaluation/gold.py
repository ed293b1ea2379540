"""Gold Q&A sets: JSON Lines of {"id", "question", "answers", "docs", "type"} (docs/evaluation.md, "Gold files")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from rag.errors import EvalError


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    answers: tuple[str, ...]  # empty: the collection does not answer it, a refusal is right
    docs: tuple[str, ...] = ()  # documents (as Chunk.doc) that hold the answer
    type: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def label(self) -> str:
        """The type used to break metrics down; unlabelled items are grouped together."""
        return self.type or "untyped"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "docs": list(self.docs),
            "type": self.type,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "GoldItem":
        return cls(
            id=str(obj["id"]),
            question=obj["question"],
            answers=tuple(obj.get("answers") or ()),
            docs=tuple(obj.get("docs") or ()),
            type=obj.get("type") or "",
        )


def _check_entry(obj: Any, where: str) -> None:
    if not isinstance(obj, dict):
        raise EvalError(f"{where}: each line must be a JSON object")
    for key in ("id", "question"):
        if not isinstance(obj.get(key), (str, int)) or obj.get(key) == "":
            raise EvalError(f"{where}: '{key}' is missing or empty")
    for key in ("answers", "docs"):
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise EvalError(f"{where}: '{key}' must be a list of non-empty strings")
    if "answers" not in obj:
        raise EvalError(f"{where}: 'answers' is missing (use [] for a question the documents do not answer)")


def parse_gold(lines: Iterable[str], source: str = "<gold>") -> list[GoldItem]:
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{where}: not valid JSON ({exc.msg}); each line must be one object") from None
        _check_entry(obj, where)
        item = GoldItem.from_json(obj)
        if item.id in seen:
            raise EvalError(f"{where}: duplicate id '{item.id}'; ids must be unique")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise EvalError(f"{source}: no questions found; expected JSON Lines of gold Q&A entries")
    return items


def read_gold(path: str | Path) -> list[GoldItem]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalError(f"{path}: gold set not found; pass a JSON Lines file such as eval/gold_seeds.jsonl") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"{path}: cannot read the gold set ({exc.__class__.__name__}); it must be UTF-8") from None
    return parse_gold(text.splitlines(), source=str(path))


def write_gold(items: Iterable[GoldItem], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(item.to_json(), ensure_ascii=False) for item in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
