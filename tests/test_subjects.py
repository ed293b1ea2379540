"""Which retrieved passages are about what the question names, and the order they reach the
prompt in: a passage about each named place first."""

from fake_generator import fake_search

from rag.answer.subjects import Subjects
from rag.types import Chunk, Hit

search = fake_search()


def hit(doc, title, text, rank):
    return Hit(Chunk(f"{doc}#{rank}", doc, title, "", 0, len(text), text, ""), 1.0 / rank, rank)


def test_the_documents_about_the_named_place_are_found():
    question = "黔江区的贫困发生率是多少?"
    assert Subjects(question, search(question)).docs() == {"002_56ffc93fffebd40f.txt"}


def test_no_document_is_about_a_place_none_of_them_names():
    question = "北京市的贫困发生率是多少?"
    assert Subjects(question, search(question)).docs() == frozenset()


def test_a_question_naming_nothing_may_be_answered_by_any_document():
    question = "贫困发生率下降到了多少?"
    assert Subjects(question, search(question)).docs() is None


def test_a_document_naming_the_place_only_elsewhere_is_found_through_the_check():
    hits = [hit("003.txt", "坚持以人民为中心", "全省累计投入357.93亿元", 1)]
    assert Subjects("河北省累计投入多少资金?", hits).docs() == frozenset()
    assert Subjects("河北省累计投入多少资金?", hits, lambda doc, forms: "河北" in forms).docs() == {"003.txt"}


def test_a_comparison_gets_the_best_passage_about_each_place_first():
    hits = [hit("teng.txt", "藤县脱贫", "贫困发生率下降至0.59%", 1),
            hit("teng.txt", "藤县脱贫", "85个贫困村出列", 2),
            hit("other.txt", "重庆扶贫", "资金17835万元", 3),
            hit("neijiang.txt", "内江市脱贫", "贫困发生率下降到2.15%", 4)]
    ordered = Subjects("藤县和内江市的贫困发生率哪个低?", hits).ordered(hits)
    assert [h.rank for h in ordered] == [1, 4, 2, 3]


def test_passages_about_no_named_place_go_last():
    hits = [hit("other.txt", "重庆扶贫", "资金17835万元", 1), hit("teng.txt", "藤县脱贫", "85个贫困村出列", 2)]
    assert [h.rank for h in Subjects("藤县有多少贫困村出列?", hits).ordered(hits)] == [2, 1]


def test_a_question_naming_nothing_keeps_the_retrieval_order():
    hits = [hit("other.txt", "重庆扶贫", "资金17835万元", 1), hit("teng.txt", "藤县脱贫", "85个贫困村出列", 2)]
    assert Subjects("资金有多少?", hits).ordered(hits) == hits
