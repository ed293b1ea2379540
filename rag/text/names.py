"""The names a text gives: people, places, organisations and other proper nouns (jieba's
part-of-speech tags), Latin words inside Chinese text and quoted terms; and the short forms by
which a place is also called (河北省委 -> 河北省 -> 河北)."""

from __future__ import annotations

import re

from rag.text.lexicon import alternation
from rag.text.normalize import compact, han_share, normalize
from rag.text.tokenize import pos_tags, word_count

NAME_FLAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,20})[”\"」』》]")
_ORGAN = re.compile(f"({alternation('names.organs')})$")
# jieba's dictionary flags for prepositions and conjunctions: jieba glues one onto the name that
# follows (于北魏, 由威廉, 和慈禧, 效力于德乙 -> 于德), by its HMM or by a rare entry of its dictionary
FUNCTION_FLAGS = frozenset({"p", "c"})
MAX_NAME = 12  # characters: 中央革命军事委员会, 艾萨克·阿西莫夫 fit
PLACE_LEVEL = re.compile(f"({alternation('names.place_levels')})$")


def names_in(text: str) -> set[str]:
    """Proper names (people, places, organisations, other proper nouns), Latin words inside
    Chinese text (GDP) and quoted terms; English words of an English answer are not names."""
    text = normalize(text)
    chinese = han_share(text) >= 0.5
    names = {m.strip() for m in _QUOTED.findall(text) if han_share(m) >= 0.5 or chinese}
    for word, flag in pos_tags(text):
        if flag in NAME_FLAGS:
            word = unglued(word)
        if len(word) >= 2 and (flag in NAME_FLAGS or (chinese and flag == "eng")):
            names.add(word)
    return {n for n in names if n}


def unglued(name: str) -> str:
    """A name without the preposition or conjunction jieba glued onto its front (于北魏 -> 北魏,
    于德乙 -> 德乙: the rest is at least as common a word as the whole); one glued onto a single
    character, no dictionary word (于德 of 效力于德乙), is no name at all (""). 和平区 stays: a
    dictionary word, commoner than 平区."""
    if len(name) < 2 or pos_tags(name[0])[0][1] not in FUNCTION_FLAGS:
        return name
    if len(name) == 2:
        return name if word_count(name) else ""
    return name[1:] if word_count(name[1:]) >= word_count(name) else name


def named(text: str) -> list[tuple[str, ...]]:
    """The places, people and organisations a text names, each with its short form
    (河北省 -> 河北), in compact() form."""
    names = []
    for name in sorted(names_in(text)):
        if len(name) > MAX_NAME:
            continue  # a quoted sentence ("婚姻是……最值得的行为") is a phrase, not a name
        place = _ORGAN.sub("", name)  # 河北省委 -> 河北: an organ of a place names the place
        if len(place) < 2:
            continue  # 人民政府, 省委: an organ of no place in particular
        short = PLACE_LEVEL.sub("", place)
        names.append(tuple(sorted(compact(n) for n in {name, place, short} if len(n) >= 2)))
    return [n for n in names if n]


def mentions(forms: tuple[str, ...], context: str) -> bool:
    return any(form in context for form in forms)
