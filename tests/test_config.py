"""One configuration object: defaults, then rag.toml, then RAG_* variables, then explicit overrides."""

from __future__ import annotations

import pytest

from rag.config import Config, load_config
from rag.errors import ConfigError


def test_defaults_come_from_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config == Config()
    assert config.embed_model == "multilingual-e5-small"
    assert config.generator == "qwen2.5-coder-1.5b-instruct"


def test_toml_may_be_flat_or_grouped_in_tables(tmp_path):
    (tmp_path / "rag.toml").write_text('top_k = 8\n[models]\ngenerator = "qwen2.5-coder-0.5b-instruct"\n')
    config = load_config(tmp_path / "rag.toml", environ={})
    assert config.top_k == 8 and config.generator == "qwen2.5-coder-0.5b-instruct"


def test_environment_overrides_the_file_and_is_coerced(tmp_path):
    (tmp_path / "rag.toml").write_text("top_k = 8\n")
    config = load_config(tmp_path / "rag.toml", environ={"RAG_TOP_K": "3", "RAG_ALLOW_NETWORK": "yes",
                                                         "RAG_BM25_WEIGHT": "0.25"})
    assert (config.top_k, config.allow_network, config.bm25_weight) == (3, True, 0.25)


def test_rag_config_variable_names_the_file(tmp_path):
    (tmp_path / "other.toml").write_text("chunk_size = 400\n")
    assert load_config(environ={"RAG_CONFIG": str(tmp_path / "other.toml")}).chunk_size == 400


def test_explicit_overrides_win_and_none_means_not_given(tmp_path):
    config = load_config(environ={"RAG_TOP_K": "3"},
                         top_k=9, index_dir=None)
    assert config.top_k == 9 and config.index_dir == "indexes/default"


def test_unknown_setting_is_named_with_the_valid_ones(tmp_path):
    (tmp_path / "rag.toml").write_text("topk = 8\n")
    with pytest.raises(ConfigError, match="unknown setting 'topk'; valid settings: .*top_k"):
        load_config(tmp_path / "rag.toml", environ={})


def test_wrongly_typed_value_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="setting 'top_k' must be a int"):
        load_config(environ={"RAG_TOP_K": "many"})


def test_broken_toml_names_the_file(tmp_path):
    (tmp_path / "rag.toml").write_text("top_k = = 8\n")
    with pytest.raises(ConfigError, match=r"rag\.toml: not valid TOML"):
        load_config(tmp_path / "rag.toml", environ={})


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.toml", environ={})
