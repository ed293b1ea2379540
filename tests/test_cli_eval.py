"""`rag eval` through the CLI: a fake pipeline for the fast tests, the real models and index in
the `models` tests (retrieval over the seeds gold set, and answers from the fast generator)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rag.pipeline
from rag.cli.main import main
from rag.text.normalize import compact
from rag.types import Answer, Chunk, Citation, Hit

ROOT = Path(__file__).resolve().parent.parent
GOLD_SEEDS = ROOT / "eval" / "gold_seeds.jsonl"
DOCS = {"teng.txt": "藤县贫困发生率下降至0.59%，累计实现12.2万贫困人口减贫。",
        "hebei.txt": "河北省委先后45次召开省委常委会会议和专题会议。",
        "neijiang.txt": "内江市乡镇新增扶贫专干151人。"}
GOLD = [{"id": "g1", "question": "藤县贫困发生率下降至多少？", "answers": ["0.59%"], "docs": ["teng.txt"], "type": "fact"},
        {"id": "g2", "question": "河北省委召开了多少次常委会会议？", "answers": ["45次"], "docs": ["hebei.txt"],
         "type": "fact"},
        {"id": "g3", "question": "内江市的地区生产总值是多少？", "answers": [], "docs": ["neijiang.txt"],
         "type": "unanswerable"}]


class FakeRag:
    """Indexes *.txt into a JSON file in index_dir and ranks passages by shared characters; it
    answers with its best passage. Deterministic, no model."""

    made: list["FakeRag"] = []
    interrupt_at: str | None = None

    def __init__(self, config):
        self.config, self.indexed = config, []
        FakeRag.made.append(self)

    def index(self, paths, rebuild=False, progress=None):
        self.indexed.append(list(paths))
        files = sorted(f for p in paths for f in Path(p).glob("*.txt"))
        folder = Path(self.config.index_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chunks.json").write_text(json.dumps({f.name: f.read_text(encoding="utf-8") for f in files},
                                                       ensure_ascii=False), encoding="utf-8")
        return f"indexed {len(files)} documents"

    def search(self, question, k=None):
        if question == FakeRag.interrupt_at:
            raise KeyboardInterrupt
        texts = json.loads((Path(self.config.index_dir) / "chunks.json").read_text(encoding="utf-8"))
        chunks = [Chunk(doc, doc, doc, "", 0, len(t), t, t) for doc, t in texts.items()]
        chunks.sort(key=lambda c: (-len(set(compact(question)) & set(compact(c.text))), c.doc))
        return [Hit(c, score=1.0 / i, rank=i) for i, c in enumerate(chunks[:k], start=1)]

    def ask(self, question):
        top = self.search(question, 1)[0].chunk
        return Answer(question, top.text + "[1]", False, (Citation(1, top),),
                      timings_ms={"retrieve": 1.0, "generate": 2.0, "total": 3.0})


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """A temporary home and working directory, with rag.pipeline.Rag replaced by FakeRag."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(rag.pipeline, "Rag", FakeRag)
    FakeRag.made, FakeRag.interrupt_at = [], None
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in GOLD),
                                         encoding="utf-8")
    return tmp_path


def metrics_of(folder):
    return json.loads((Path(folder) / "metrics.json").read_text(encoding="utf-8"))


def test_builds_a_missing_index_from_the_corpus_and_writes_the_three_outputs(home, capsys):
    code = main(["eval", "gold.jsonl", "--index", "idx", "--corpus", "docs", "--out", "run"])
    assert code == 0
    assert FakeRag.made[0].indexed == [["docs"]] and FakeRag.made[0].config.index_dir == "idx"
    assert {"results.jsonl", "metrics.json", "report.md"} <= {p.name for p in (home / "run").iterdir()}
    metrics = metrics_of(home / "run")
    assert metrics["retrieval"]["hit@1"] == 1.0 and metrics["answer"]["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["config"]["run"]["command"] == "rag eval gold.jsonl --index idx --out run --corpus docs"
    assert "3 questions -> run" in capsys.readouterr().out


def test_an_existing_index_is_used_as_it_is(home):
    assert main(["eval", "gold.jsonl", "--index", "idx", "--corpus", "docs", "--out", "a"]) == 0
    assert main(["eval", "gold.jsonl", "--index", "idx", "--corpus", "docs", "--out", "b"]) == 0
    assert FakeRag.made[1].indexed == []


def test_a_missing_index_without_a_corpus_is_a_user_error_naming_the_fix(home, capsys):
    assert main(["eval", "gold.jsonl", "--index", "nowhere", "--out", "run"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "index nowhere not found" in err and "--corpus PATH" in err


def test_a_missing_gold_file_is_a_one_line_user_error(home, capsys):
    assert main(["eval", "nothing.jsonl"]) == 1
    assert capsys.readouterr().err.startswith("rag: error: nothing.jsonl: gold set not found")


def test_without_a_gold_set_or_compare_it_is_a_usage_error(home, capsys):
    assert main(["eval"]) == 2
    assert "give a gold set" in capsys.readouterr().err


def test_retrieval_only_and_limit_with_the_default_output_folder(home):
    assert main(["eval", "gold.jsonl", "--index", "idx", "--corpus", "docs", "--limit", "2", "--retrieval-only"]) == 0
    (run,) = (home / "eval" / "runs").glob("gold-retrieval-*")
    metrics = metrics_of(run)
    assert metrics["n"] == 2 and metrics["answer"]["accuracy"] is None
    assert metrics["config"]["run"]["retrieval_only"] is True


def test_ctrl_c_exits_130_and_keeps_the_results_so_far(home, capsys):
    FakeRag.interrupt_at = GOLD[1]["question"]
    assert main(["eval", "gold.jsonl", "--index", "idx", "--corpus", "docs", "--out", "run"]) == 130
    assert metrics_of(home / "run")["n"] == 1
    assert "interrupted: scored 1 of 3 questions" in capsys.readouterr().err


def test_compare_prints_what_changed_between_two_runs(home, capsys):
    main(["eval", "gold.jsonl", "--index", "idx", "--corpus", "docs", "--out", "a"])
    (home / "docs" / "hebei.txt").write_text("河北。", encoding="utf-8")  # the answer is gone from B's index
    main(["eval", "gold.jsonl", "--index", "idx2", "--corpus", "docs", "--out", "b"])
    capsys.readouterr()
    assert main(["eval", "--compare", "a", "b"]) == 0
    out = capsys.readouterr().out
    assert "answer.accuracy" in out and "-0.333" in out
    assert "- g2: correct: yes -> no" in out


def test_a_squad_file_becomes_a_corpus_an_index_and_a_cmrc_scored_run(home):
    squad = {"data": [{"title": "藤县", "paragraphs": [
        {"id": "P1", "context": DOCS["teng.txt"], "qas": [
            {"id": "P1_Q0", "question": "藤县贫困发生率下降至多少？", "answers": [{"text": "0.59%"}]}]}]},
        {"title": "河北", "paragraphs": [
            {"id": "P2", "context": DOCS["hebei.txt"], "qas": [
                {"id": "P2_Q0", "question": "河北省委召开了多少次会议？", "answers": [{"text": "45次"}]}]}]}]}
    (home / "mini.json").write_text(json.dumps(squad, ensure_ascii=False), encoding="utf-8")
    assert main(["eval", "--format", "squad", "mini.json", "--out", "run"]) == 0
    assert sorted(p.name for p in (home / "eval" / "runs" / "corpora" / "mini").iterdir()) == ["P1.txt", "P2.txt"]
    assert FakeRag.made[0].config.index_dir == str(Path("indexes") / "mini")
    assert [json.loads(line)["docs"] for line in (home / "run" / "gold.jsonl").read_text().splitlines()] == \
        [["P1.txt"], ["P2.txt"]]
    metrics = metrics_of(home / "run")
    assert metrics["retrieval"]["hit@1"] == 1.0 and "cmrc_f1" in metrics["answer"]


# --- the real pipeline -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory, models_config):
    """The seeds indexed once with the real embedding model, shared by the tests below."""
    from rag.pipeline import Rag

    folder = tmp_path_factory.mktemp("seeds-index") / "index"
    Rag(models_config.replace(index_dir=str(folder))).index([str(ROOT / "seeds")])
    return folder


@pytest.fixture()
def real_env(monkeypatch, tmp_path, models_config):
    monkeypatch.setenv("RAG_MODELS_DIR", str(models_config.models_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.models
def test_real_retrieval_over_the_seeds_gold_set_finds_the_gold_documents(real_env, seeds_index):
    assert main(["eval", str(GOLD_SEEDS), "--index", str(seeds_index), "--out", "run", "--retrieval-only"]) == 0
    metrics = metrics_of(real_env / "run")
    assert metrics["n"] >= 80
    assert metrics["retrieval"]["hit@5"] >= 0.85
    assert metrics["retrieval"]["answer_hit@10"] >= 0.75
    assert metrics["by_type"]["traditional"]["retrieval"]["hit@3"] >= 0.8
    assert (real_env / "run" / "hit_at_k.png").stat().st_size > 0


@pytest.mark.models
def test_real_answers_from_the_fast_generator_are_scored(real_env, seeds_index, monkeypatch):
    monkeypatch.setenv("RAG_GENERATOR", "qwen2.5-coder-0.5b-instruct")
    assert main(["eval", str(GOLD_SEEDS), "--index", str(seeds_index), "--out", "run", "--limit", "3"]) == 0
    lines = [json.loads(line) for line in (real_env / "run" / "results.jsonl").read_text().splitlines()]
    assert len(lines) == 3
    assert all(isinstance(line["answer"], str) and isinstance(line["correct"], bool) for line in lines)
    assert all(line["latency_ms"]["generate"] is not None for line in lines if not line["refused"])
    assert metrics_of(real_env / "run")["answer"]["accuracy"] is not None
