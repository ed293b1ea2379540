"""A second, short model pass: is the answer what the passages say of what the question asks?
The checks in verify.py see that every name and number of a claim stands in its passage; they
cannot see that the passage says it of another thing (a head of state named as the gunman he was
only reported about, the cast given as the screenwriters, a figure from another county).

Where the generator can weigh its next token (llama.cpp: `odds`), the question is put afresh,
after the same passages and question as the answer prompt, and the verdict is the probability of
否 against 是: asked in the answer's own conversation the 1.5B model says 是 to everything, and
its generated word hides how unsure it is (eval/notes/refusal-and-doubt.md, "The judge by its odds"). The
passages' prefix is still in the model's cache, so the judge costs the answer's own tokens of
prefill and no decoding. Other backends answer in words, in the answer's conversation.

Before any answer, the same model is asked whether the passages state the answer to the question
at all (`doubt`): the passages of a collection that holds the topic but not the fact (news of the
same event, another year's figures) lure a small model into assembling an answer from names that
do stand there. Its P(否) separated such answers from right ones better than any wording of the
judge tried (eval/notes/refusal-and-doubt.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

ASK_ANSWERABLE = "\n资料中是否明确写出了这个问题的答案？只回答“是”或“否”。"
ASK_AFRESH = (
    "\n有人这样回答：{answer}\n资料是否明确写出了这一点，而且说的正是问题所问的对象？"
    "如果资料并没有这样说（例如把别的人、事、时间、地点当成了所问的），回答“否”；否则回答“是”。只回答一个字。"
)
ASK_AFTER = (
    "请检查你上面的回答：资料原文是否明确写出了它，而且说的正是问题“{question}”所问的对象？"
    "如果资料并没有这样说（例如把别的人、事、时间、地点当成了所问的），回答“否”；否则回答“是”。只回答一个字。"
)
YES, NO = "是", "否"
MAX_TOKENS = 2


@dataclass(frozen=True)
class Verdict:
    stands: bool
    no: float | None = None  # P(否) against 是, where the model could weigh it


def weighs(generator) -> bool:
    """Whether the generator can give the odds of its next token (a replay wrapper: its model)."""
    return callable(getattr(getattr(generator, "inner", generator), "odds", None))


def after_question(messages: Sequence[dict], question_line: str, ask: str) -> list[dict]:
    """The answer prompt up to its question (a prefix the model has cached), then `ask`."""
    *head, user = messages
    content = user["content"]
    cut = content.rfind(question_line)
    kept = content[: cut + len(question_line)] if cut >= 0 else content
    return [*head, {"role": "user", "content": kept + ask}]


def afresh(messages: Sequence[dict], answer: str, question_line: str) -> list[dict]:
    """The answer prompt up to its question, then the answer to judge and the judging question."""
    return after_question(messages, question_line, ASK_AFRESH.format(answer=answer.strip()))


def doubt(generator, messages: Sequence[dict], question_line: str) -> float | None:
    """The model's P(否) that the passages of the answer prompt state the answer to its
    question; None for a model that cannot weigh its next token."""
    if not weighs(generator):
        return None
    return _p_no(generator, after_question(messages, question_line, ASK_ANSWERABLE))


def _p_no(generator, messages: Sequence[dict]) -> float:
    """The model's probability that its reply begins with 否 rather than 是."""
    return round(generator.odds(messages, (YES, NO))[NO], 4)


def after(messages: Sequence[dict], answer: str, question: str) -> list[dict]:
    """The answer prompt, the answer as shown, and the judging question."""
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": ASK_AFTER.format(question=question.strip())},
    ]


def judge(
    generator,
    messages: Sequence[dict],
    answer: str,
    question: str,
    question_line: str,
    stop: Sequence[str],
    max_no: float,
) -> Verdict:
    """Withdraw (stands=False) when P(否) >= max_no, or, for a model that cannot weigh, when it
    says 否 plainly."""
    if weighs(generator):
        no = _p_no(generator, afresh(messages, answer, question_line))
        return Verdict(no < max_no, no)
    verdict = generator.generate(after(messages, answer, question), MAX_TOKENS, stop).strip()
    return Verdict(not verdict.startswith(NO))
