"""Text normalisation and THE tokenizer shared by indexing and querying."""

from rag.text.lexicon import stopwords
from rag.text.normalize import (
    compact,
    normalize,
    script_of,
    to_halfwidth,
    to_simplified,
    to_traditional,
    writes_traditional,
)
from rag.text.tokenize import tokenize, tokenizer_fingerprint


def test_traditional_becomes_simplified():
    assert to_simplified("安嶽縣扶貧開發辦公室") == "安岳县扶贫开发办公室"


def test_fullwidth_ascii_becomes_halfwidth_but_cjk_punctuation_stays():
    assert to_halfwidth("ＡＢＣ１２３％　。") == "ABC123% 。"


def test_normalize_collapses_spaces_and_lowercases():
    assert normalize("  Ｈｅｌｌｏ\u3000 貧困  ") == "hello 贫困"


def test_compact_removes_all_whitespace():
    assert compact("12.2 萬\n人") == "12.2万人"


def test_script_of_tells_the_scripts_apart():
    assert script_of("全縣脫貧攻堅基本情況") == "traditional"
    assert script_of("全县脱贫攻坚基本情况") == "simplified"


def test_tokenize_gives_the_same_tokens_for_both_scripts():
    assert tokenize("全縣脫貧攻堅基本情況") == tokenize("全县脱贫攻坚基本情况")


def test_tokenize_keeps_domain_terms_whole(poverty_lexicon):
    tokens = tokenize("聚焦建档立卡贫困户，落实两不愁三保障，新建扶贫车间")
    assert {"建档立卡", "两不愁三保障", "扶贫车间"} <= set(tokens)


def test_tokenize_also_yields_the_parts_of_long_terms(poverty_lexicon):
    assert {"两不愁", "三保障", "扶贫"} <= set(tokenize("两不愁三保障的扶贫车间"))


def test_tokenize_glues_numbers_to_their_units_and_keeps_the_bare_number():
    tokens = tokenize("累计实现12.2万贫困人口减贫，共规划97.05公里，投入4141.02万元")
    assert {"12.2万", "12.2", "97.05公里", "4141.02万元"} <= set(tokens)


def test_tokenize_keeps_percentages_whole():
    assert "0.59%" in tokenize("贫困发生率下降至0.59%")


def test_tokenize_drops_stopwords_question_words_and_punctuation(poverty_lexicon):
    tokens = tokenize("藤县的贫困发生率下降到了多少？")
    assert "藤县" in tokens and "贫困发生率" in tokens
    assert not {"的", "了", "多少", "？", "?"} & set(tokens)


def test_tokenize_normalises_fullwidth_latin():
    assert tokenize("ＡＩ与Ｗｉ－Ｆｉ") == tokenize("ai与wi-fi")


def test_tokenize_of_empty_or_punctuation_only_text_is_empty():
    assert tokenize("") == []
    assert tokenize("。，！？……") == []


def test_stopword_list_is_loaded_from_package_data():
    assert {"的", "多少", "哪些"} <= stopwords()
    assert not any(w.startswith("#") for w in stopwords())


def test_tokenizer_fingerprint_is_stable():
    assert tokenizer_fingerprint() == tokenizer_fingerprint() and len(tokenizer_fingerprint()) == 16


def test_traditional_conversion_keeps_the_forms_of_the_passage_it_copies():
    passage = "台灣的首府設於台北市，他在那裏著手研究。"
    assert to_traditional("台湾的首府设于台北市[1]。") == "臺灣的首府設於臺北市[1]。"
    assert to_traditional("台湾的首府设于台北市[1]。", [passage]) == "台灣的首府設於台北市[1]。"
    assert to_traditional("他在那里着手研究[1]。", [passage]) == "他在那裏著手研究[1]。"


def test_traditional_conversion_takes_nothing_from_a_simplified_passage():
    assert to_traditional("台湾的首府[1]。", ["台湾的首府设于台北市。"]) == "臺灣的首府[1]。"


def test_words_not_copied_from_the_passage_are_converted_as_usual():
    assert to_traditional("后来台湾的首府[1]。", ["台灣的首府設於台北市。"]) == "後來台灣的首府[1]。"


def test_a_question_naming_taiwan_in_its_own_script_is_traditional():
    assert writes_traditional("台灣的首府是哪一座城市?")  # 台 is also simplified: script_of says mixed
    assert not writes_traditional("黄霑有哪些著名填词作品？")  # one traditional-only name character
    assert not writes_traditional("北海道的原名是?")


def test_a_run_copied_twice_takes_the_passage_place_written_in_traditional_forms():
    passage = "乐山市\n樂山市位於四川省中南部。"  # a title left in simplified script
    assert to_traditional("乐山市在四川省中南部[1]。", [passage]) == "樂山市在四川省中南部[1]。"
