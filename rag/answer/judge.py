"""A second, short model pass: is the answer what the passages say of what the question asks?
The checks in verify.py see that every name and number of a claim stands in its passage; they
cannot see that the passage says it of another thing (a head of state named as the gunman he was
only reported about, the cast given as the screenwriters, a figure from another county).

Where the generator can weigh its next token (llama.cpp: `odds`), the question is put afresh,
after the same passages and question as the answer prompt, and the verdict is the probability of
否 against 是: asked in the answer's own conversation the 1.5B model says 是 to everything, and
its generated word hides how unsure it is (eval/README.md, "The judge by its odds"). The
passages' prefix is still in the model's cache, so the judge costs the answer's own tokens of
prefill and no decoding. Other backends answer in words, in the answer's conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

ASK_AFRESH = ("\n有人这样回答：{answer}\n资料是否明确写出了这一点，而且说的正是问题所问的对象？"
              "如果资料并没有这样说（例如把别的人、事、时间、地点当成了所问的），回答“否”；否则回答“是”。只回答一个字。")
ASK_AFTER = ("请检查你上面的回答：资料原文是否明确写出了它，而且说的正是问题“{question}”所问的对象？"
             "如果资料并没有这样说（例如把别的人、事、时间、地点当成了所问的），回答“否”；否则回答“是”。只回答一个字。")
YES, NO = "是", "否"
MAX_TOKENS = 2


@dataclass(frozen=True)
class Verdict:
    stands: bool
    no: float | None = None  # P(否) against 是, where the model could weigh it


def weighs(generator) -> bool:
    """Whether the generator can give the odds of its next token (a replay wrapper: its model)."""
    return callable(getattr(getattr(generator, "inner", generator), "odds", None))


def afresh(messages: Sequence[dict], answer: str, question_line: str) -> list[dict]:
    """The answer prompt up to its question, then the answer to judge and the judging question."""
    *head, user = messages
    content = user["content"]
    cut = content.rfind(question_line)
    kept = content[:cut + len(question_line)] if cut >= 0 else content
    return [*head, {"role": "user", "content": kept + ASK_AFRESH.format(answer=answer.strip())}]


def after(messages: Sequence[dict], answer: str, question: str) -> list[dict]:
    """The answer prompt, the answer as shown, and the judging question."""
    return [*messages, {"role": "assistant", "content": answer},
            {"role": "user", "content": ASK_AFTER.format(question=question.strip())}]


def judge(generator, messages: Sequence[dict], answer: str, question: str, question_line: str,
          stop: Sequence[str], max_no: float) -> Verdict:
    """Withdraw (stands=False) when P(否) >= max_no, or, for a model that cannot weigh, when it
    says 否 plainly."""
    if weighs(generator):
        no = generator.odds(afresh(messages, answer, question_line), (YES, NO))[NO]
        return Verdict(no < max_no, round(no, 4))
    verdict = generator.generate(after(messages, answer, question), MAX_TOKENS, stop).strip()
    return Verdict(not verdict.startswith(NO))
