"""An answer must name the kind of thing its question asks for, found in the passage it cites and
not taken from the question (rag.answer.question; made-up sentences)."""

import pytest

from rag.answer.question import answers_kind, asked_kind, kind_missing
from rag.answer.verify import Verifier
from rag.text.entities import entities, make_tagger
from rag.types import Chunk


@pytest.mark.parametrize("question, kind", [
    ("那座桥是哪一年建成的?", "time"),
    ("新馆的开放时间是?", "time"),
    ("是谁设计了这座桥?", "person"),
    ("这部纪录片的导演是?", "person"),
    ("這部電影的編劇是誰?", "person"),
    ("这个湖的名字叫什么?", None),
    ("博览会在哪里举办?", "place"),
    ("他出生在哪个省?", "place"),
    ("他后来去了哪家公司?", "organization"),
    ("王明是什么集团的董事长?", "organization"),
    ("这部剧在什么平台播出?", "organization"),
    ("她主演了哪部电影?", "title"),
    ("有多少个国家参加?", "quantity"),
    ("为什么要修这座桥?", None),
    ("这项政策是什么意思?", None),
    ("为什么河口一带渔产丰富?", None),
    ("任何国家都可以申请吗?", None),
])
def test_the_type_asked_is_read_from_the_question(question, kind):
    assert asked_kind(question) == kind


@pytest.mark.parametrize("question, sentence, answers", [
    # who: a person the question already names is no answer
    ("谁接替了王建国?", "各界对王建国的离任表示惋惜。", False),
    ("谁接替了王建国?", "李晓明接替王建国出任馆长。", True),
    # where: a place, not a sentence naming none
    ("年会在哪里举行?", "年会由组委会负责筹备，规模超过往年。", False),
    ("年会在哪里举行?", "年会在杭州举行。", True),
    # which company: one other than the question's own
    ("张伟离开华为后去了哪家公司?", "张伟离开了华为。", False),
    ("张伟离开华为后去了哪家公司?", "张伟离开华为后加入了小米公司。", True),
    # which work: a title in book marks, not the question's own
    ("她主演了哪部电影?", "她凭借《海上明月》获奖。", True),
    ("她在《海上明月》之后主演了哪部电影?", "她在《海上明月》中表现出色。", False),
    # when: a time
    ("大桥何时通车?", "大桥于2019年10月通车。", True),
    ("大桥何时通车?", "大桥通车后方便了两岸居民。", False),
    # a foreign name the taggers read as an unknown place answers who; a known place does not
    ("那年他参加了谁的专辑录制?", "那年他参加了滨田省吾的专辑录制。", True),
    ("谁袭击了王建国?", "各界谴责针对日本前首相王建国的袭击事件。", False),
    # a dynasty is a ruling house: it answers who
    ("当时这片土地归谁管辖?", "当时这片土地归明朝管辖。", True),
])
def test_a_sentence_answers_only_with_a_thing_of_the_type_asked(question, sentence, answers):
    assert answers_kind(question, sentence) is answers


def test_entities_are_read_in_traditional_script_too():
    found = entities("陳大文於臺北市創辦了華光公司。")
    assert {kind for _word, kind in found} >= {"person", "place"}


def test_an_unknown_tagger_names_the_choices():
    with pytest.raises(ValueError, match="lac, jieba"):
        make_tagger("spacy")


@pytest.mark.parametrize("tagger", ["lac", "jieba"])
def test_each_tagger_finds_a_person_and_a_place(tagger):
    kinds = {kind for _word, kind in make_tagger(tagger).tag("李晓明在杭州工作。")}
    assert {"person", "place"} <= kinds


def test_the_value_must_stand_in_the_cited_passage():
    question = "谁接替了王建国?"
    assert kind_missing(question, "李晓明接替了王建国", "李晓明接替王建国出任馆长。") is None
    assert kind_missing(question, "李晓明接替了王建国", "王建国离任后由他人接替。") is not None


def _chunk(text: str) -> Chunk:
    return Chunk(id="a#0", doc="a.txt", title="a", section="", start=0, end=len(text), text=text, index_text=text)


def test_the_verifier_drops_a_sentence_naming_nothing_of_the_type_asked():
    passage = "昨日发生针对王建国的袭击事件，各界强烈谴责。"
    verifier = Verifier([_chunk(passage)], question="谁袭击了王建国?")
    claim = verifier.check("各界强烈谴责针对王建国的袭击事件[1]。")
    assert not claim.supported and "person" in claim.reason


def test_a_second_sentence_may_add_to_an_answer_that_named_the_thing_asked():
    passage = "李晓明于2019年接替王建国出任馆长。他此前在省博物馆工作了十年。"
    verifier = Verifier([_chunk(passage)], question="谁接替了王建国?")
    assert verifier.check("李晓明接替了王建国[1]。").supported
    assert verifier.check("他此前在省博物馆工作了十年[1]。").supported

