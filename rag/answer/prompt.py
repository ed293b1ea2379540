"""The prompt: a Chinese system prompt, the passages numbered [1]..[k] with title and section, the
question, and the passage sentence that best covers it, within a token budget that leaves room for
the answer in the model's window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from rag.answer.extract import Closeness, candidates
from rag.answer.shown import Shown, estimate_tokens, focus, format_passage, select_passages
from rag.errors import ConfigError
from rag.text.normalize import HAN_CHAR, script_of, to_simplified
from rag.types import Hit

if TYPE_CHECKING:
    from rag.config import Config

REFUSAL = {"zh": "资料中没有找到相关信息", "en": "No relevant information was found in the documents."}

SYSTEM = """你是严谨的资料问答助手，只依据用户提供的编号资料回答问题，不使用资料以外的知识。
规则：
1. 每段资料的标题说明它讲的是什么；正文里的“我县”“本市”“该公司”“他”等，指的就是标题所说的对象。
2. 直接回答，简洁，一到两句话；数字、日期、人名、地名照抄资料原文，不要改写或计算。
3. 每句话末尾用方括号标注所依据资料的编号，例如[1]或[1][2]。
4. 只有当资料里完全没有与问题相关的内容时，才回答：资料中没有找到相关信息"""

# English questions get the same rules, answered in English
ENGLISH = "\n5. 问题是英文的，请用英文回答；如果资料中没有答案，回答：" + REFUSAL["en"]

ANSWER = "请用一句完整的话回答问题（写出具体内容），句末标注资料编号，如“……[1]。”"
QUOTE = "请用资料原文中的说法，以一句完整的话回答（写出具体内容），句末标注资料编号，如“……[1]。”"
STOP = ("<|im_end|>", "<|endoftext|>", "\n\n\n")
PROMPT_OVERHEAD = 32  # chat-template tokens around the messages
KEY_SENTENCE_CHARS = 150  # a longer best sentence is cut: its point is where to look, not all it says
# the key sentence must lead the next other sentence by this much of the extractive score (coverage
# + kind bonus); measured on DRCD and the seeds (eval/notes/key-sentence.md)
KEY_SENTENCE_LEAD = 0.1
MIN_PASSAGE_TOKENS = 64


@dataclass(frozen=True)
class Prompt:
    messages: tuple[dict[str, str], ...]
    passages: tuple[Hit, ...]  # passage [n] is passages[n - 1]
    tokens: int  # estimated prompt tokens
    question_line: str = ""  # the line stating the question, as the prompt shows it (judge.after_question)


def language_of(question: str) -> str:
    """'zh' when the question has any Chinese character, else 'en'."""
    return "zh" if HAN_CHAR.search(question) else "en"


def question_line(question: str) -> str:
    """The prompt's line that states the question (the judge re-asks from the prompt up to it)."""
    return f"问题：{question.strip()}"


def key_sentence(question: str, passages: Sequence[Shown], closeness: Closeness | None = None) -> str:
    """The line naming the passage sentence that best covers the question (the extractive
    scorer's first pick among those the passages show), as "最相关的原文（资料[n]）：…", when it
    clearly leads every other sentence; else "". Small models answer from what stands nearest
    the question: with that sentence there, the 1.5B model names the thing asked instead of its
    neighbour in another passage. A reworded question has no clear leader, and a wrong pointer
    is followed, so none."""
    found = [e for e in candidates(question, [p.hit for p in passages], closeness) if passages[e.n - 1].shows(e.text)]
    if not found or found[0].coverage <= 0:
        return ""  # no sentence shares a word with the question (an English one)
    best = found[0]
    runner_up = next((c.score for c in found[1:] if c.text.strip() != best.text.strip()), None)
    if runner_up is not None and best.score - runner_up < KEY_SENTENCE_LEAD:
        return ""
    return f"\n最相关的原文（资料[{best.n}]）：{best.text.strip()[:KEY_SENTENCE_CHARS]}"


def shown(text: str, simplify: bool) -> str:
    """The text as the model sees it: in simplified script when `simplify` and the text is not
    already (a simplified text is left byte for byte, so its prompts stay as they were)."""
    return to_simplified(text) if simplify and script_of(text) != "simplified" else text


def _user(blocks: Sequence[str], ask: str) -> str:
    return "资料：\n\n" + "\n\n".join(blocks) + "\n\n" + ask


def passages_shown(
    question: str, hits: Sequence[Hit], config: "Config", budget: int, closeness: Closeness | None = None
) -> list[Shown]:
    """The passages the prompt shows within `budget` tokens: the first config.context_chunks
    hits, whole or (config.passage_tokens) each cut to its sentences nearest the question, as
    many as fit."""
    context = hits[: config.context_chunks]
    ranked = candidates(question, context, closeness) if config.passage_tokens > 0 else ()
    return select_passages(focus(context, ranked, config.passage_tokens), budget, config.context_chunks)


def _passages_and_key(
    question: str, hits: Sequence[Hit], config: "Config", room: int, closeness: Closeness | None
) -> tuple[list[Shown], str]:
    """The passages that fit `room` tokens beside the key sentence line (none when it is off); in
    a window too tight for both, the key sentence's tokens come off the passages, or it is left out."""
    budget = min(config.context_tokens, room)
    passages = passages_shown(question, hits, config, budget, closeness)
    key = key_sentence(question, passages, closeness) if config.key_sentence else ""
    left = room - estimate_tokens(key)
    if left >= budget:
        return passages, key
    if left < MIN_PASSAGE_TOKENS:
        return passages, ""
    passages = passages_shown(question, hits, config, left, closeness)
    return passages, key_sentence(question, passages, closeness)


def build_prompt(
    question: str,
    hits: Sequence[Hit],
    config: "Config",
    n_ctx: int | None = None,
    quote: bool = False,
    closeness: Closeness | None = None,
) -> Prompt:
    """System rules, then the passages, then the question and the sentence that best covers it
    (small models heed what comes last).
    Passages fill config.context_tokens, capped so that prompt + max_tokens fit the window.
    With config.prompt_simplified, traditional-script passages and questions are shown in
    simplified script (the answer is given back in the question's script by the answerer).
    `quote` asks for the passage's own wording: the second try after an answer that echoed a
    reworded question and garbled its figure (只剩百分之59%). `closeness` ranks the key sentence
    by meaning too (rag.answer.closeness)."""
    system = SYSTEM + (ENGLISH if language_of(question) == "en" else "")
    instruction = QUOTE if quote else ANSWER
    limit = (n_ctx or config.n_ctx) - config.max_tokens - PROMPT_OVERHEAD
    room = limit - estimate_tokens(system) - estimate_tokens(_user([], f"{question_line(question)}\n{instruction}"))
    if room < MIN_PASSAGE_TOKENS:
        raise ConfigError(
            f"setting 'n_ctx' ({n_ctx or config.n_ctx}) leaves no room for passages after "
            f"'max_tokens' ({config.max_tokens}); raise n_ctx or lower max_tokens"
        )
    passages, key = _passages_and_key(question, hits, config, room, closeness)
    simplify = config.prompt_simplified
    line = question_line(shown(question, simplify))
    # the key sentence goes after the question line: the doubt check's cached prefix stops there
    ask = f"{line}{shown(key, simplify)}\n{instruction}"
    blocks = [shown(format_passage(n, p.hit.chunk, p.text), simplify) for n, p in enumerate(passages, start=1)]
    while blocks and len(blocks[0]) > 20 and estimate_tokens(system) + estimate_tokens(_user(blocks, ask)) > limit:
        blocks[0] = blocks[0][: int(len(blocks[0]) * 0.9)]  # only a tiny window gets here
    user = _user(blocks, ask)
    tokens = estimate_tokens(system) + estimate_tokens(user) + PROMPT_OVERHEAD
    return Prompt(
        ({"role": "system", "content": system}, {"role": "user", "content": user}),
        tuple(p.hit for p in passages),
        tokens,
        line,
    )
