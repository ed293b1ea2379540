"""How often the first-ranked passage sentence holds the gold answer, by the question's words alone
and with closeness in meaning at several weights (eval/notes/key-sentence.md, "Sentences ranked
by meaning too"). No language model runs: the sentences are those of the passages the prompt would
show.

    python eval/notes/scripts/sentence_ranking.py GOLD INDEX_DIR [--squad] [--sample N] [--lexicons NAMES]

GOLD is a gold set (JSON Lines) or, with --squad, a SQuAD-style file sampled as `rag eval --format
squad --sample N --seed 0` samples it; INDEX_DIR an index of its corpus (the one `rag eval` built).
Unanswerable questions are skipped."""

from __future__ import annotations

import argparse

import numpy as np

from rag.answer.closeness import EmbedderCloseness
from rag.answer.extract import candidates, meaning_text
from rag.answer.prompt import build_prompt
from rag.answer.subjects import Subjects
from rag.config import load_config
from rag.evaluation.gold import read_gold
from rag.evaluation.squad import read_squad, sample_questions
from rag.pipeline import Rag
from rag.text.normalize import compact

WEIGHTS = (0, 2, 5, 8, 10, 12, 15, 20)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("gold"), p.add_argument("index")
    p.add_argument("--squad", action="store_true"), p.add_argument("--sample", type=int, default=200)
    p.add_argument("--lexicons", default="")
    args = p.parse_args()
    items = list(read_squad(args.gold).questions) if args.squad else read_gold(args.gold)
    items = [q for q in (sample_questions(items, args.sample, 0) if args.squad else items) if q.answers]
    rag = Rag(load_config(index_dir=args.index, lexicons=args.lexicons))
    config, closeness = rag.config, EmbedderCloseness(lambda: rag.embedder)
    rows = []
    for q in items:
        hits = tuple(rag.search(q.question, k=max(config.top_k, config.context_chunks)))
        context = Subjects(q.question, hits[:config.context_chunks], rag.answerer._doc_mentions).ordered(
            hits[:config.context_chunks])
        passages = build_prompt(q.question, tuple(context), config, quote=False).passages
        found = candidates(q.question, passages)  # by words, best first
        if not found:
            continue
        cosines = closeness(q.question, [meaning_text(passages, e) for e in found])
        golds = [compact(a) for a in q.answers]
        rows.append((np.array([e.score for e in found]), np.array(cosines),
                     [any(g in compact(e.text) for g in golds) for e in found]))
    print(f"{len(rows)} answerable questions; some prompt sentence holds the answer for "
          f"{sum(any(h) for *_, h in rows) / len(rows):.3f}")
    for weight in WEIGHTS:
        first = sum(h[int(np.argmax(s + weight * (c - c.max())))] for s, c, h in rows)
        print(f"weight {weight:>3}: the first sentence holds the answer for {first / len(rows):.3f}")


if __name__ == "__main__":
    main()
