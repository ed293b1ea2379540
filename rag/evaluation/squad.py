"""SQuAD-style benchmarks (CMRC 2018 and the like) as a retrieval task: every paragraph becomes a
document `<paragraph id>.txt` of a corpus folder, every question a gold item naming that file.

The article title is written as the document's first line, as open-domain QA corpora built from
Wikipedia do (DPR, for one): a paragraph is a piece of a titled article, and the title is what
tells "its population" of one city from another's. The questions' answers are the human answer
spans, duplicates removed; a question without answers (SQuAD 2.0 style) is unanswerable."""

from __future__ import annotations

import collections
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from rag.errors import EvalError
from rag.evaluation.gold import GoldItem

_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class SquadParagraph:
    id: str
    title: str
    context: str

    @property
    def doc(self) -> str:
        return _UNSAFE.sub("_", self.id) + ".txt"

    @property
    def text(self) -> str:
        return f"{self.title}\n\n{self.context}\n" if self.title else f"{self.context}\n"


@dataclass(frozen=True)
class SquadSet:
    name: str  # the file's stem, e.g. "cmrc2018_dev"; also the questions' type
    paragraphs: tuple[SquadParagraph, ...]
    questions: tuple[GoldItem, ...]


def _answers(qa: dict[str, Any]) -> tuple[str, ...]:
    texts = [a["text"].strip() for a in qa.get("answers") or () if a.get("text", "").strip()]
    return tuple(dict.fromkeys(texts))


def _paragraphs(data: list[dict[str, Any]], name: str):
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            pid = str(paragraph.get("id") or f"{name}_{a}_{p}")  # SQuAD itself has no paragraph ids
            yield SquadParagraph(pid, str(article.get("title") or "").strip(), paragraph["context"]), paragraph


def parse_squad(obj: Any, name: str) -> SquadSet:
    paragraphs: list[SquadParagraph] = []
    questions: list[GoldItem] = []
    for para, raw in _paragraphs(obj["data"], name):
        paragraphs.append(para)
        for qa in raw.get("qas") or ():
            answers = _answers(qa)
            questions.append(
                GoldItem(
                    str(qa["id"]), qa["question"].strip(), answers, (para.doc,), name if answers else "unanswerable"
                )
            )
    return SquadSet(name, tuple(paragraphs), tuple(questions))


def read_squad(path: str | Path) -> SquadSet:
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
        squad = parse_squad(obj, path.stem)
    except FileNotFoundError:
        raise EvalError(
            f"{path}: benchmark file not found; pass a SQuAD-style JSON file, e.g. cmrc2018_dev.json"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EvalError(f"{path}: not a UTF-8 JSON file; --format squad expects SQuAD-style JSON") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise EvalError(
            f"{path}: not SQuAD-style (missing {exc}); expected "
            "data[].paragraphs[].{context, qas[].{id, question, answers}}"
        ) from None
    if len({p.doc for p in squad.paragraphs}) != len(squad.paragraphs):
        raise EvalError(f"{path}: paragraph ids are not unique, so they cannot name documents")
    if not squad.questions:
        raise EvalError(f"{path}: no questions found")
    return squad


def write_corpus(paragraphs: Sequence[SquadParagraph], folder: str | Path) -> Path:
    """One UTF-8 file per paragraph. Files already holding the same text are left alone, so an
    incremental index over the folder sees nothing new on a second run."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for para in paragraphs:
        path = folder / para.doc
        if not path.exists() or path.read_text(encoding="utf-8") != para.text:
            path.write_text(para.text, encoding="utf-8")
    return folder


def hold_out(squad: SquadSet, n: int, seed: int = 0, typed: bool = False) -> SquadSet:
    """Negative rejection: the paragraphs of n sampled answerable questions are left out of the
    corpus, so the right output for those questions is a refusal. Other questions on a paragraph
    left out are dropped (their answer is gone too). The set is named for what was held out, so
    its corpus and index never mix with the full set's.

    `typed` draws the news-style set: questions asking for a thing of a type (who, where, when,
    which organization or work, how many: rag.answer.question.asked_kind) whose article keeps other
    paragraphs, so passages on the same topic, with its names, stay in the collection."""
    from rag.answer.question import asked_kind

    answerable = [q for q in squad.questions if q.answers]
    if typed:
        articles = collections.Counter(p.title for p in squad.paragraphs)
        title_of = {p.doc: p.title for p in squad.paragraphs}
        answerable = [q for q in answerable if asked_kind(q.question) and articles[title_of[q.docs[0]]] > 1]
    if not 0 < n < len(answerable):
        raise EvalError(f"--unanswerable {n}: give a number between 1 and {len(answerable) - 1}")
    held = sample_questions(answerable, n, seed + 1)  # another draw than --sample's
    gone = {doc for q in held for doc in q.docs}
    held_ids = {q.id for q in held}
    kept = [q for q in squad.questions if q.id not in held_ids and not set(q.docs) & gone]
    negatives = [GoldItem(q.id, q.question, (), (), "unanswerable") for q in held]
    return SquadSet(
        f"{squad.name}-minus{n}{'typed' if typed else ''}-seed{seed}",
        tuple(p for p in squad.paragraphs if p.doc not in gone),
        tuple(kept + negatives),
    )


def sample_questions(items: Sequence[GoldItem], n: int, seed: int = 0) -> list[GoldItem]:
    """A fixed random sample of n questions (same seed, same sample), kept in file order."""
    if n >= len(items):
        return list(items)
    chosen = sorted(random.Random(seed).sample(range(len(items)), n))
    return [items[i] for i in chosen]
