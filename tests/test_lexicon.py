"""Domain lexicons are data a collection opts into; without one the tokenizer knows only jieba's
own dictionary."""

import pytest

from rag.config import Config, apply_lexicons
from rag.errors import ConfigError
from rag.text.tokenize import segment, tokenizer_fingerprint


@pytest.fixture(autouse=True)
def no_lexicon_afterwards():
    yield
    apply_lexicons(Config())


def test_a_domain_term_is_one_word_only_when_its_lexicon_is_chosen():
    apply_lexicons(Config())
    plain, plain_print = segment("两不愁三保障全面实现"), tokenizer_fingerprint()
    apply_lexicons(Config(lexicons="poverty-alleviation"))
    assert "两不愁三保障" in segment("两不愁三保障全面实现")
    assert "两不愁三保障" not in plain
    assert tokenizer_fingerprint() != plain_print  # an index built with other words re-tokenises on load


def test_a_lexicon_may_be_a_file_of_the_users_own(tmp_path):
    own = tmp_path / "mine.txt"
    own.write_text("量子纠缠态 1000 n\n", encoding="utf-8")
    apply_lexicons(Config(lexicons=str(own)))
    assert "量子纠缠态" in segment("测量量子纠缠态的方法")


def test_an_unknown_lexicon_names_the_choices():
    with pytest.raises(ConfigError, match="poverty-alleviation"):
        apply_lexicons(Config(lexicons="no-such-lexicon"))


def test_a_collection_keeps_the_lexicon_it_was_indexed_with(tmp_path, seeds_dir):
    from fakes import FakeEmbedder

    from rag.index import update_index
    from rag.pipeline import Rag

    config = Config(embed_model="fake-hash", index_dir=str(tmp_path / "index"))
    update_index([seeds_dir / "000_bebb5635b1c7aea1.txt"], tmp_path / "index",
                 config.replace(lexicons="poverty-alleviation"), FakeEmbedder())
    apply_lexicons(Config())
    assert Rag(config).config.lexicons == "poverty-alleviation"
    assert "两不愁三保障" in segment("两不愁三保障全面实现")
    assert Rag(config.replace(index_dir=str(tmp_path / "other"))).config.lexicons == ""
