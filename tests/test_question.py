"""What a question asks for, and answers whose numbers come with units that answer another
question."""

import pytest

from rag.answer.question import answers_kind, asked_kind, asked_units, missing_value, unit_mismatch


@pytest.mark.parametrize("question, units", [
    ("藤县有多少个贫困村出列?", {"个"}),
    ("黔江派出了几支工作队?", {"个"}),
    ("内江有多少名干部结对帮扶?", {"人", "人次"}),
    ("藤县的贫困发生率下降到了多少?", {"%"}),
    ("藤县贫困户的人均年纯收入是多少?", {"元"}),
    ("安岳县为每个拟退出贫困村安排了多少项目资金?", {"元"}),
    ("这个小区住着多少居民?", {"人", "人次"}),
    ("博物馆收藏了多少件文物?", {"个"}),
    ("河北新发生贫困人口同比下降了多少?", {"人", "人次", "%"}),
])
def test_the_units_a_question_asks_for(question, units):
    assert asked_units(question) == units


@pytest.mark.parametrize("question", ["黔江区扶贫开发领导小组的组长是谁?", "藤县有哪些举措?", "安岳县计划完成多少?",
                                      "这台光伏电站的功率是多少?"])
def test_questions_that_name_no_unit(question):
    assert asked_units(question) is None


def test_a_percentage_does_not_answer_a_question_about_income():
    assert unit_mismatch("藤县2020年贫困户的人均年纯收入是多少?", "藤县2020年贫困户的人均年纯收入是0.59%") == "% where 元 is asked"


def test_a_count_of_sites_does_not_answer_a_question_about_residents():
    assert unit_mismatch("这个小区住着多少居民?", "这个小区有12个单元住着居民")


@pytest.mark.parametrize("question", ["派出所投入了多少警力?", "运动员的心率是多少?", "这台发动机的功率是多少?"])
def test_measures_that_are_neither_money_nor_percentages_ask_for_no_such_unit(question):
    assert asked_units(question) is None


@pytest.mark.parametrize("claim", ["累计实现12.2万贫困人口减贫", "贫困人口减少至2.5万", "共有3.44万名干部结对"])
def test_answers_with_the_asked_unit_or_a_bare_number_fit(claim):
    assert unit_mismatch("内江有多少人口脱贫?", claim) is None


def test_the_questions_own_numbers_are_not_the_answer():
    assert unit_mismatch("2020年藤县有多少人外出务工?", "2020年藤县约4.6万名贫困劳动力外出务工") is None


def test_a_question_asking_for_a_person_wants_a_name():
    assert answers_kind("组长是谁?", "组长是蒙志鸿。") is True
    assert answers_kind("组长是谁?", "组长负责全面工作。") is False
    assert answers_kind("有哪些举措?", "实行五大举措。") is None


@pytest.mark.parametrize("simplified, traditional", [
    ("博物馆收藏了多少件文物?", "博物館收藏了多少件文物?"),
    ("这个小区住着几个居民?", "這個小區住著幾個居民?"),
    ("这家公司的收入是多少?", "這家公司的收入是多少?"),
])
def test_a_traditional_script_question_asks_for_what_its_simplified_twin_does(simplified, traditional):
    assert asked_units(traditional) == asked_units(simplified) is not None


def test_the_kind_asked_for_is_read_in_either_script():
    assert answers_kind("會長是誰?", "會長是陳大文。") is True
    assert answers_kind("會長是誰?", "會長負責全面工作。") is False
    assert missing_value("電話號碼是多少?", "某某的電話號碼是")


def test_a_few_years_is_not_how_many_years():
    assert missing_value("這幾年，軍方稱這種手法是?", "軍方稱這種手法是土製裝甲") is None
    assert asked_units("那几个国家的首都在哪里?") is None
    assert missing_value("他们这几年种了几棵树?", "他们种了树")


def test_the_kind_asked_is_a_date_before_a_quantity():
    assert asked_kind("哪一年成立?") == "time"
    assert asked_kind("組長是誰?") == "person"
    assert asked_kind("有几座冷库?") == "quantity"
    assert asked_kind("为什么要搬迁?") is None
