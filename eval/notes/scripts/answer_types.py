"""How often a right answer names a thing of the type its question asks for, by tagger: the
answer-type check's cost on answerable questions, measured without any language model.

    python eval/notes/scripts/answer_types.py SQUAD_JSON [SQUAD_JSON ...] [--taggers lac,jieba]

For every answerable question with a type (rag.answer.question.asked_kind), the gold answer and the
passage sentence that holds it stand for the shortest and a long right answer; each counts as kept
when it names a thing of the asked type other than the question's own that stands in the passage
(rag.answer.question.values, as the verifier reads a claim). The share not kept is what the check
would refuse of answers that are right."""

from __future__ import annotations

import argparse
import collections

from rag.answer.question import ANSWERED_BY, asked_kind, values
from rag.evaluation.squad import read_squad
from rag.text import entities as entity_module
from rag.text.sentences import sentence_spans


def _sentence(context: str, answer: str) -> str:
    at = context.find(answer)
    for start, end in sentence_spans(context):
        if start <= at < end:
            return context[start:end]
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--taggers", default="lac,jieba", help="comma-separated: lac, jieba")
    parser.add_argument("--show", type=int, default=0, help="print up to N misses per kind")
    parser.add_argument("--accept", action="append", default=[], metavar="KIND=K1,K2",
                        help="try other kinds of named thing as answers to KIND (see ANSWERED_BY)")
    args = parser.parse_args()
    for rule in args.accept:
        kind, _, kinds = rule.partition("=")
        ANSWERED_BY[kind] = set(kinds.split(","))
    taggers = tuple(t for t in args.taggers.split(",") if t)
    entity_module.TAGGERS = taggers  # what the check reads with
    for path in args.files:
        squad = read_squad(path)
        contexts = {p.doc: p.context for p in squad.paragraphs}
        counts: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
        misses: dict[str, list[str]] = collections.defaultdict(list)
        for q in squad.questions:
            if not q.answers:
                continue
            kind = asked_kind(q.question)
            counts["all"][0] += 1
            if kind is None:
                continue
            answer = q.answers[0]
            sentence = _sentence(contexts[q.docs[0]], answer)
            context = contexts[q.docs[0]]
            in_answer = bool(values(kind, answer, q.question, context))
            in_sentence = bool(values(kind, sentence, q.question, context))
            for key in (kind, "typed"):
                counts[key][0] += 1
                counts[key][1] += in_answer
                counts[key][2] += in_sentence
            if not in_sentence and len(misses[kind]) < args.show:
                misses[kind].append(f"{q.question} | {answer} | {sentence}")
        print(f"{squad.name} taggers={'+'.join(taggers)}: {counts['all'][0]} answerable")
        for kind in ("typed", *ANSWERED_BY, "quantity"):
            n, a, s = counts.get(kind, [0, 0, 0])
            if n:
                print(f"  {kind:13s} n={n:5d}  answer names it {a / n:.3f}  sentence names it {s / n:.3f}")
        for kind, rows in misses.items():
            for row in rows:
                print(f"  miss {kind}: {row}")


if __name__ == "__main__":
    main()
