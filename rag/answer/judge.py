"""A second, short model pass: asked right after its answer whether the passages state it, of
what the question asks. The checks in verify.py see that every name and number of a claim stands
in its passage; they cannot see that the passage says it of another thing (a head of state named
as the gunman he was only reported about, the cast given as the screenwriters). The model reads
the relation; the question costs a few dozen tokens of prefill, since the passages before it are
still in the model's cache, and one token of answer."""

from __future__ import annotations

from typing import Sequence

JUDGE = ("请检查你上面的回答：资料原文是否明确写出了它，而且说的正是问题“{question}”所问的对象？"
         "如果资料并没有这样说（例如把别的人、事、时间、地点当成了所问的），回答“否”；否则回答“是”。只回答一个字。")
NO = "否"  # the verdict that withdraws an answer; anything else lets it stand
MAX_TOKENS = 2


def judge_messages(messages: Sequence[dict], answer: str, question: str) -> list[dict]:
    """The answer prompt, the answer as shown, and the judging question."""
    return [*messages, {"role": "assistant", "content": answer},
            {"role": "user", "content": JUDGE.format(question=question.strip())}]


def stands(generator, messages: Sequence[dict], answer: str, question: str, stop: Sequence[str]) -> bool:
    """False only when the model says plainly that the passages do not state the answer."""
    verdict = generator.generate(judge_messages(messages, answer, question), MAX_TOKENS, stop).strip()
    return not verdict.startswith(NO)
