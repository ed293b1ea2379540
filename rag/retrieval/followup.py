"""Follow-up questions made standalone before retrieval, by rules rather than a model call (a
rewrite by the generator would cost seconds on a CPU and can drift):

    藤县的贫困发生率下降到了多少?  +  那安岳县呢?        ->  安岳县的贫困发生率下降到了多少?
    藤县的贫困发生率下降到了多少?  +  它有多少个贫困村?  ->  藤县有多少个贫困村?
    藤县的贫困发生率下降到了多少?  +  还有哪些措施?      ->  藤县还有哪些措施?
"""

from __future__ import annotations

import re
from typing import Sequence

from rag.text.lexicon import alternation, english
from rag.text.normalize import HAN_CHAR, is_han, to_simplified
from rag.text.tokenize import pos_tags

_LEAD = re.compile(f"^({alternation('followup.leads')}|{english('followup.leads_en')})\\s*", re.I)
_TAIL = re.compile(f"({alternation('followup.tails')})?\\s*[?？。!！]*\\s*$")
_PRONOUN = re.compile(alternation("followup.pronouns"))
_QUESTION_WORD = re.compile(f"{alternation('followup.question_words')}|{english('followup.question_words_en')}", re.I)
_YEAR = re.compile(r"\d{4}\s*年?")
_PLACE_SUFFIX = re.compile(f"({alternation('names.place_endings')})$")
_LATIN_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][a-z]+(?: [A-Z][a-z]+)*")
MAX_FRAGMENT = 15  # characters: longer follow-ups carry their own subject
ENTITY_FLAGS = {"ns": "place", "nr": "person", "nrt": "person", "nrfg": "person", "nt": "org"}


def standalone_query(question: str, history: Sequence[tuple[str, str]] = ()) -> str:
    """`question` as a query that stands on its own, given the (user, assistant) turns before it."""
    if not history:
        return question.strip()
    previous = standalone_query(history[-1][0], history[:-1])
    return rewrite_followup(question, previous)


def kind_of(word: str, flag: str = "") -> str | None:
    if _YEAR.fullmatch(word):
        return "year"
    if flag in ENTITY_FLAGS:
        return ENTITY_FLAGS[flag]
    if not flag and len(word) >= 2 and _PLACE_SUFFIX.search(word) and all(map(is_han, word)):
        return "place"
    return None


def entities(text: str) -> list[tuple[str, str]]:
    """(word, kind) for years, places, people and organisations, in order of appearance."""
    found = [(m.group().strip(), "year") for m in _YEAR.finditer(text)]
    found += [(w, k) for w, f in pos_tags(text) if len(w) >= 2 and (k := kind_of(w, f)) and k != "year"]
    return sorted(found, key=lambda e: text.find(e[0]))


def _fragment(question: str) -> str | None:
    """The new subject of an elliptical follow-up ('那安岳县呢?' -> '安岳县'), None otherwise."""
    lead = _LEAD.match(question)
    body = _TAIL.sub("", question[lead.end() :] if lead else question).strip()
    elliptical = lead or re.search(r"呢\s*[?？]?\s*$", question)
    if not elliptical or len(body) > MAX_FRAGMENT or _QUESTION_WORD.search(body):
        return None  # '还有哪些措施?' asks its own question; only its subject may be missing
    return body


def _substitute(fragment: str, previous: str) -> str:
    """Put the fragment where the previous question had a word of its kind, else ask about the
    fragment within the previous question's subject."""
    tags = pos_tags(fragment)
    kind = kind_of(fragment, tags[0][1] if len(tags) == 1 else "")
    if re.search(r"[A-Za-z]", fragment) and (latin := _LATIN_NAME.findall(previous)):
        return previous.replace(latin[-1], fragment, 1)
    for word, other in entities(previous):
        if kind and other == kind:
            return previous.replace(word, fragment, 1)
    subject = next((w for w, k in entities(previous) if k != "year"), "")
    if kind == "year" and subject:
        return previous.replace(subject, subject + fragment, 1)
    return f"{subject}{fragment}" if subject and fragment else f"{previous} {fragment}".strip()


def rewrite_followup(question: str, previous: str) -> str:
    question, previous = to_simplified(question.strip()), to_simplified(previous.strip())
    if not previous:
        return question
    subject = next((w for w, k in entities(previous) if k != "year"), None)
    fragment = _fragment(question)
    if fragment is not None:
        return _substitute(fragment, previous) if fragment else previous
    if subject and _PRONOUN.search(question):
        return _PRONOUN.sub(subject, question, count=1)
    if subject and HAN_CHAR.search(question) and not entities(question):
        return subject + question
    return question
