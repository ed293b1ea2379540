"""What a question asks for: a date, a person, or a quantity, and for a quantity the units that
can answer it (多少户 asks for 户; a 收入 for 元; a 发生率 for %). An answer whose numbers all
come with other units (收入是0.59%, 接待了12个游客) answers some other question."""

from __future__ import annotations

import re

from .facts import UNITS, numbers_in, pos_tags, quantities_in, same_unit

ASKS_QUANTITY = re.compile(r"多少|几|比例|百分|多大|多高|多长|数量|数目|规模|金额|人数|how (many|much)|percent|rate", re.I)
ASKS_DATE = re.compile(r"何时|什么时候|哪一?年|哪一?天|哪个月|几月|几日|日期|when|what year|which year|what date", re.I)
ASKS_PERSON = re.compile(r"谁|哪位|什么人|名字|姓名|叫什么|who\b", re.I)
_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]")
_DATE = re.compile(r"\d{4}|\d{1,2}月|\d{1,2}日|[一二三四五六七八九十]+月")

_EXPLICIT = re.compile(rf"(?:多少|几)\s*(?:万|亿)?\s*({UNITS})(?!目)")  # 多少项目资金 asks for money
_PERCENT = re.compile(r"(?<!功|频|汇|速|码|帧|辨)率|比例|比重|占比|百分")  # not 功率, 频率, 汇率, 分辨率 ...
_MONEY = re.compile(r"收入|资金|金额|钱|补贴|补助|奖励|奖补|工资|经费|产值|总值|GDP|善款|投入|投资|费用|贷款|补偿金", re.I)
_CHANGE = re.compile(r"增长|增加|提高|下降|减少|增幅|降幅")
_PEOPLE = re.compile(r"游客|人口|人员|干部|劳动力|劳力|学生|群众|医生|村医|党员|人数|多少人")
PEOPLE = frozenset({"人", "人次"})


def asked_units(question: str) -> frozenset[str] | None:
    """The units an answer to a quantity question may carry; None when the question does not
    say (or asks for no quantity)."""
    if not ASKS_QUANTITY.search(question):
        return None
    if explicit := _EXPLICIT.search(question):
        unit = same_unit(explicit[1])
        return PEOPLE if unit == "人" else frozenset({unit})
    if _PERCENT.search(question):
        return frozenset({"%"})
    wanted = frozenset({"元"}) if _MONEY.search(question) else PEOPLE if _PEOPLE.search(question) else None
    if wanted and _CHANGE.search(question):
        return wanted | {"%"}  # a rise or fall may be told as a percentage
    return wanted


def unit_mismatch(question: str, claim: str) -> str | None:
    """The claim's own numbers (not the question's) all carry units, none of them one the
    question asks for: '0.59% where 元 is asked'. None when they fit or cannot be told."""
    wanted = asked_units(question)
    if not wanted:
        return None
    own = numbers_in(claim) - numbers_in(question)
    units = {unit for number, forms in quantities_in(claim).items() if number in own for _, unit in forms}
    if not units or "" in units or units & wanted:
        return None
    return f"{'/'.join(sorted(units))} where {'/'.join(sorted(wanted))} is asked"


def answers_kind(query: str, sentence: str) -> bool | None:
    """Whether the sentence holds the kind of thing asked for (a number, a date, a person);
    None when the question asks for no particular kind."""
    kinds = [(ASKS_DATE, lambda: bool(_DATE.search(sentence))),
             (ASKS_PERSON, lambda: any(flag.startswith("nr") for _, flag in pos_tags(sentence))),
             (ASKS_QUANTITY, lambda: bool(_NUMBER.search(sentence)))]
    for asks, holds in kinds:
        if asks.search(query):
            return holds()
    return None
