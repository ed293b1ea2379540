"""Prompt sizes under passage layouts, without the model: estimated prompt tokens p50/p95, the
mean number of passages, and how many questions' gold answer string stands in the prompt.
Usage: python prompt_sizes.py GOLD.jsonl N INDEX_DIR LAYOUT... where a LAYOUT is `base` or
SETTING=VALUE,... (passage_tokens, context_tokens, key_sentence); sixteenth session,
eval/notes/latency-and-engine.md."""

import json
import statistics
import sys

from rag.answer.prompt import build_prompt
from rag.answer.subjects import Subjects
from rag.config import load_config
from rag.pipeline import Rag


def value(text: str):
    return text == "true" if text in ("true", "false") else int(text)


gold = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")][: int(sys.argv[2])]
answerer = Rag(load_config(index_dir=sys.argv[3])).answerer
for layout in sys.argv[4:]:
    changes = {} if layout == "base" else {k: value(v) for k, v in (kv.split("=") for kv in layout.split(","))}
    config = answerer.config.replace(**changes)
    sizes, passages, holding = [], [], 0
    for item in gold:
        question = item["question"]
        hits = tuple(answerer.search(question, k=max(config.top_k, config.context_chunks)))
        context = tuple(Subjects(question, hits[: config.context_chunks], answerer._doc_mentions).ordered(hits[: config.context_chunks]))
        prompt = build_prompt(question, context, config, n_ctx=4096, closeness=answerer.closeness)
        sizes.append(prompt.tokens)
        passages.append(len(prompt.passages))
        holding += not item["answers"] or any(a in prompt.messages[1]["content"] for a in item["answers"])
    print(f"{layout}: estimated tokens p50 {statistics.median(sizes)}, p95 {sorted(sizes)[int(0.95 * len(sizes))]}, "
          f"passages {statistics.mean(passages):.2f}, answer in prompt {holding} / {len(gold)}")
