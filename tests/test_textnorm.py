"""Text normalisation and THE tokenizer shared by indexing and querying."""

from rag.text.lexicon import stopwords
from rag.text.normalize import (
    compact,
    normalize,
    script_of,
    to_halfwidth,
    to_simplified,
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
