"""Embedders: the protocol, lazy loading, fingerprints, batching; the real e5 model under `models`."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import FakeEmbedder

from rag.config import Config
from rag.errors import ModelError
from rag.models.embed_local import SentenceTransformerEmbedder, weights_fingerprint
from rag.models.embedder import make_embedder
from rag.models.embedding import embedder_name
from rag.models.registry import REGISTRY


def test_make_embedder_is_lazy_and_names_the_setting():
    embedder = make_embedder(Config(models_dir="/nonexistent"))
    assert embedder.name == "multilingual-e5-small"
    assert embedder._model is None  # nothing loaded, nothing resolved yet


def test_registry_model_fingerprint_is_its_pinned_sha256_without_hashing():
    embedder = make_embedder(Config(models_dir="/nonexistent"))
    assert embedder.fingerprint == REGISTRY["multilingual-e5-small"].sha256["model.safetensors"]


def test_names_of_paths_are_their_folder_names_and_hub_ids_stay_as_given(tmp_path):
    assert embedder_name(str(tmp_path / "my-model")) == "my-model"
    assert embedder_name("intfloat/multilingual-e5-small") == "intfloat/multilingual-e5-small"


def test_local_folder_fingerprint_follows_the_weights(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"weights one")
    first = weights_fingerprint(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"weights two!")
    assert weights_fingerprint(tmp_path) != first


def test_a_folder_without_weights_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="model.safetensors"):
        weights_fingerprint(tmp_path)


def test_unassembled_registry_model_says_to_run_setup(tmp_path):
    embedder = make_embedder(Config(models_dir=str(tmp_path)))
    with pytest.raises(ModelError, match="rag setup"):
        embedder.encode_query("问题")


class _RecordingModel:
    """Stands in for SentenceTransformer to observe batching; vectors encode the text length."""

    def __init__(self):
        self.batches: list[list[str]] = []

    def encode_document(self, texts, **kwargs):
        import torch

        self.batches.append(list(texts))
        return torch.tensor([[len(t), 1.0] for t in texts])

    def get_embedding_dimension(self):
        return 2


def test_documents_are_batched_longest_first_and_returned_in_input_order():
    embedder = SentenceTransformerEmbedder("x", Config(embed_batch_size=2))
    embedder._model, embedder._prompts = _RecordingModel(), {"query": "", "document": ""}
    texts = ["aa", "aaaaa", "a", "aaaa", "aaa"]
    ticks = []
    vectors = embedder.encode_documents(texts, progress=lambda done, total: ticks.append((done, total)))
    assert embedder._model.batches == [["aaaaa", "aaaa"], ["aaa", "aa"], ["a"]]
    assert np.round(vectors[:, 0] / vectors[:, 1]).tolist() == [2, 5, 1, 4, 3]
    assert ticks == [(2, 5), (4, 5), (5, 5)]


def test_fake_embedder_is_deterministic_normalised_and_script_blind():
    fake = FakeEmbedder()
    a = fake.encode_query("藤縣貧困發生率")
    assert np.allclose(a, fake.encode_query("藤县贫困发生率"))
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5) and a.dtype == np.float32


def test_fake_embedder_puts_similar_texts_closer():
    fake = FakeEmbedder()
    query = fake.encode_query("藤县贫困发生率")
    near, far = fake.encode_documents(["藤县贫困发生率下降至0.59%", "黔江区五子发力推进精准扶贫"])
    assert query @ near > query @ far


# --- the real model ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def e5(models_config):
    return make_embedder(models_config, precision="fp32")


@pytest.mark.models
def test_real_e5_gives_normalised_384_dim_float32_vectors(e5):
    vectors = e5.encode_documents(["藤县贫困发生率下降至0.59%。", "黔江区五子发力推进精准扶贫。"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert e5.dim == 384


@pytest.mark.models
def test_real_e5_uses_different_prefixes_for_questions_and_passages(e5):
    text = "藤县贫困发生率下降至0.59%"
    assert float(e5.encode_query(text) @ e5.encode_documents([text])[0]) < 0.999


@pytest.mark.models
def test_real_e5_ranks_the_relevant_passage_first(e5):
    passages = ["藤县累计实现12.2万贫困人口减贫，贫困发生率下降至0.59%。",
                "河北省级财政2019年投入55.05亿元扶贫资金。",
                "黔江区召开动员会、培训会1991次。"]
    scores = e5.encode_documents(passages) @ e5.encode_query("藤县的贫困发生率降到了多少？")
    assert int(np.argmax(scores)) == 0


@pytest.mark.models
def test_real_e5_batched_vectors_match_one_at_a_time(e5):
    texts = ["短句。", "一个长得多的句子，讲的是贫困村出列和建档立卡贫困人口的动态调整。", "中等长度的句子讲扶贫车间。"]
    batched = e5.encode_documents(texts)
    single = np.stack([e5.encode_documents([t])[0] for t in texts])
    assert np.allclose(batched, single, atol=1e-4)


PASSAGES = ["藤县累计实现12.2万贫困人口减贫，贫困发生率下降至0.59%。", "河北省级财政2019年投入55.05亿元扶贫资金。",
            "黔江区召开动员会、培训会1991次。", "宾川县今年新建了九座冷库，总库容一万二千吨。"]
QUESTIONS = ["藤县的贫困发生率降到了多少？", "河北省投入了多少扶贫资金？", "宾川县新建了几座冷库？"]


@pytest.mark.models
@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_each_precision_gives_unit_vectors_that_rank_like_fp32(e5, models_config, precision):
    other = make_embedder(models_config, precision=precision)
    reference, vectors = e5.encode_documents(PASSAGES), other.encode_documents(PASSAGES)
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert min(np.sum(reference * vectors, axis=1)) > 0.97
    for question in QUESTIONS:
        assert np.argmax(reference @ e5.encode_query(question)) == np.argmax(vectors @ other.encode_query(question))


def test_fused_bf16_linears_compute_what_torch_linears_do():
    torch = pytest.importorskip("torch")
    from transformers import BertConfig, BertModel

    from rag.models.precision import fuse_linears

    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=128)
    plain = BertModel(config).eval().to(torch.bfloat16)
    fused = fuse_linears(BertModel(config).eval().to(torch.bfloat16))
    fused.load_state_dict(plain.state_dict())
    if not torch.backends.mkldnn.is_available():
        pytest.skip("this torch has no oneDNN: bf16 Linears stay torch's own")
    assert type(fused.encoder.layer[0].intermediate.dense).__name__ == "FusedLinear"
    assert isinstance(fused.encoder.layer[0].intermediate.intermediate_act_fn, torch.nn.Identity)
    ids = torch.randint(0, 100, (3, 11))
    with torch.inference_mode():
        a, b = plain(ids).last_hidden_state.float(), fused(ids).last_hidden_state.float()
    assert torch.nn.functional.cosine_similarity(a.flatten(1), b.flatten(1)).min() > 0.999
