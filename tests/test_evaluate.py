"""The evaluation harness (rag/evaluation) driven by a scripted pipeline: what it
writes, how it scores, and that Ctrl-C keeps the work done. The real pipeline is exercised by the
`models` tests in test_cli_eval.py."""

from __future__ import annotations

import json

import pytest

from rag.errors import GenerationError
from rag.evaluation.compare import compare_runs, format_comparison
from rag.evaluation.gold import GoldItem
from rag.evaluation.run import EvalOptions, evaluate
from rag.types import Answer, Chunk, Citation, Hit

DESIGN_RESULT_KEYS = {"id", "question", "type", "answers", "docs", "retrieved", "answer", "refused",
                      "citations", "correct", "latency_ms"}
DESIGN_RETRIEVAL_KEYS = {"hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "answer_hit@1", "answer_hit@3",
                         "answer_hit@5", "answer_hit@10", "answer_mrr@10"}
DESIGN_ANSWER_KEYS = {"accuracy", "char_f1", "refusal_precision", "refusal_recall", "citation_support"}
DESIGN_LATENCY_KEYS = {"retrieve_p50", "retrieve_p95", "total_p50", "total_p95"}
QUIET = EvalOptions(show_progress=False)


def chunk(doc: str, text: str) -> Chunk:
    return Chunk(id=f"{doc}:{abs(hash(text)) % 10**8}", doc=doc, title=doc, section="", start=0,
                 end=len(text), text=text, index_text=text)


TENG = chunk("a.txt", "藤县累计实现12.2万贫困人口减贫，贫困发生率下降至0.59%。")
TENG_OTHER = chunk("a.txt", "藤县选派了1946名专职扶贫工作队员。")
ANYUE = chunk("b.txt", "2014年經精準識別，確定我縣貧困村162個。")
HEBEI = chunk("c.txt", "河北省委先后45次召开省委常委会会议。")

GOLD = [
    GoldItem("q1", "藤县累计减贫多少人？", ("12.2万",), ("a.txt",), "fact"),
    GoldItem("q2", "安嶽縣確定了多少個貧困村？", ("162个",), ("b.txt",), "traditional"),
    GoldItem("q3", "藤县的人均年收入是多少？", (), ("a.txt",), "unanswerable"),
    GoldItem("q4", "河北的贫困发生率是多少？", ("0.76%",), ("c.txt",), "fact"),
]


class ScriptedPipeline:
    """Returns the hits and answers scripted per question; can raise at a given question."""

    def __init__(self, hits, answers=None, fail_at=None, error=KeyboardInterrupt):
        self.hits, self.answers, self.fail_at, self.error = hits, answers or {}, fail_at, error
        self.searched: list[tuple[str, int]] = []

    def search(self, question, k=None):
        self.searched.append((question, k))
        if question == self.fail_at:
            raise self.error("scripted failure")
        return [Hit(c, score=1.0 / i, rank=i) for i, c in enumerate(self.hits[question][:k], start=1)]

    def ask(self, question):
        text, refused, cited = self.answers[question]
        chunks = self.hits[question]
        return Answer(question, text, refused, citations=tuple(Citation(n, chunks[n - 1]) for n in cited),
                      timings_ms={"retrieve": 12.0, "generate": 800.0, "total": 812.0})


HITS = {
    "藤县累计减贫多少人？": [TENG, ANYUE],
    "安嶽縣確定了多少個貧困村？": [TENG_OTHER, ANYUE, HEBEI],
    "藤县的人均年收入是多少？": [TENG_OTHER, TENG],
    "河北的贫困发生率是多少？": [TENG, ANYUE],  # the Hebei passage is not found at all
}
ANSWERS = {
    "藤县累计减贫多少人？": ("累计实现12.2万人减贫[1]。", False, [1]),
    "安嶽縣確定了多少個貧困村？": ("确定贫困村162個[2]。", False, [2]),
    "藤县的人均年收入是多少？": ("资料中没有相关信息。", True, []),
    "河北的贫困发生率是多少？": ("河北贫困发生率为0.59%[1]。", False, [1]),
}


@pytest.fixture()
def full_run(tmp_path):
    return evaluate(GOLD, ScriptedPipeline(HITS, ANSWERS), tmp_path / "run", QUIET, {"top_k": 5})


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_writes_results_metrics_and_report(full_run):
    names = {p.name for p in full_run.out_dir.iterdir()}
    assert {"results.jsonl", "metrics.json", "report.md"} <= names


def test_each_result_line_has_exactly_the_design_fields(full_run):
    lines = read_lines(full_run.out_dir / "results.jsonl")
    assert [line["id"] for line in lines] == ["q1", "q2", "q3", "q4"]
    assert all(set(line) == DESIGN_RESULT_KEYS | {"tokens", "why", "dropped", "doubts", "mode"} for line in lines)  # ours
    assert set(lines[0]["retrieved"][0]) == {"doc", "chunk_id", "score", "text"}
    assert set(lines[0]["citations"][0]) == {"n", "doc", "chunk_id", "text"}
    latency = lines[0]["latency_ms"]
    assert {k: latency[k] for k in ("retrieve", "generate", "total")} == {"retrieve": 12.0, "generate": 800.0, "total": 812.0}
    assert set(latency) <= {"retrieve", "generate", "total", "first_token", "prefill", "decode"}


def test_metrics_json_has_exactly_the_design_keys(full_run):
    metrics = json.loads((full_run.out_dir / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics) == {"n", "retrieval", "answer", "latency_ms", "by_type", "by_kind", "faq", "config"}
    assert set(metrics["retrieval"]) == DESIGN_RETRIEVAL_KEYS
    assert set(metrics["answer"]) == DESIGN_ANSWER_KEYS
    assert set(metrics["latency_ms"]) == DESIGN_LATENCY_KEYS
    assert metrics["config"]["top_k"] == 5


def test_retrieval_metrics_rank_the_first_passage_from_a_gold_document(full_run):
    r = full_run.metrics["retrieval"]
    # gold document ranks: q1 1, q2 2, q3 1, q4 missing
    assert (r["hit@1"], r["hit@3"], r["hit@10"]) == (0.5, 0.75, 0.75)
    assert r["mrr@10"] == pytest.approx((1 + 0.5 + 1 + 0) / 4, abs=1e-4)
    # passages holding an answer, over the three answerable questions: q1 1, q2 2, q4 missing
    assert (r["answer_hit@1"], r["answer_hit@3"]) == (pytest.approx(1 / 3, abs=1e-4), pytest.approx(2 / 3, abs=1e-4))


def test_answers_are_judged_by_normalised_containment_and_refusal(full_run):
    a = full_run.metrics["answer"]
    assert [r.correct for r in full_run.results] == [True, True, True, False]
    assert a["accuracy"] == 0.75
    assert (a["refusal_precision"], a["refusal_recall"]) == (1.0, 1.0)
    # answered answerable questions: q1 and q2 cite a passage holding the answer, q4 does not
    assert a["citation_support"] == pytest.approx(2 / 3, abs=1e-4)
    assert 0 < a["char_f1"] < 1


def test_metrics_are_broken_down_by_type(full_run):
    by_type = full_run.metrics["by_type"]
    assert set(by_type) == {"fact", "traditional", "unanswerable"}
    assert by_type["fact"]["n"] == 2
    assert by_type["fact"]["answer"]["accuracy"] == 0.5
    assert by_type["unanswerable"]["answer"]["refusal_recall"] == 1.0
    assert by_type["traditional"]["retrieval"]["hit@1"] == 0.0


def test_retrieval_only_asks_for_ten_passages_and_leaves_answers_null(tmp_path):
    pipeline = ScriptedPipeline(HITS)
    run = evaluate(GOLD, pipeline, tmp_path, EvalOptions(retrieval_only=True, show_progress=False))
    line = read_lines(tmp_path / "results.jsonl")[0]
    assert all(k == 10 for _, k in pipeline.searched)
    assert [line[k] for k in ("answer", "refused", "citations", "correct")] == [None] * 4
    assert line["latency_ms"]["generate"] is None and line["latency_ms"]["retrieve"] >= 0
    assert set(run.metrics["answer"].values()) == {None}
    assert run.metrics["retrieval"]["hit@1"] == 0.5


def test_ctrl_c_keeps_and_scores_the_questions_done(tmp_path):
    pipeline = ScriptedPipeline(HITS, ANSWERS, fail_at=GOLD[2].question)
    run = evaluate(GOLD, pipeline, tmp_path, QUIET)
    assert run.interrupted
    assert [line["id"] for line in read_lines(tmp_path / "results.jsonl")] == ["q1", "q2"]
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] == 2 and metrics["config"]["run"]["interrupted"] is True
    assert "Interrupted" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_a_pipeline_error_is_raised_after_scoring_the_questions_done(tmp_path):
    pipeline = ScriptedPipeline(HITS, ANSWERS, fail_at=GOLD[1].question, error=GenerationError)
    with pytest.raises(GenerationError):
        evaluate(GOLD, pipeline, tmp_path, QUIET)
    assert json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))["n"] == 1


def test_the_report_shows_tables_plots_and_quotes_failures_with_what_was_retrieved(full_run):
    report = (full_run.out_dir / "report.md").read_text(encoding="utf-8")
    assert "| **all** | 4 |" in report and "| traditional | 1 |" in report
    for plot in ("hit_at_k.png", "latency.png", "by_type.png"):
        assert f"]({plot})" in report
        assert (full_run.out_dir / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    failures = report.split("## Worst failures")[1]
    assert "**q4**" in failures and "河北贫困发生率为0.59%" in failures  # the wrong answer, quoted
    assert "藤县累计实现12.2万贫困人口减贫" in failures  # ... with the passage that misled it


def test_cmrc_scoring_adds_the_official_em_and_f1(tmp_path):
    run = evaluate(GOLD, ScriptedPipeline(HITS, ANSWERS), tmp_path, EvalOptions(cmrc=True, show_progress=False))
    assert {"cmrc_em", "cmrc_f1"} <= set(run.metrics["answer"])
    assert run.metrics["answer"]["cmrc_em"] == 0.0  # whole sentences are never an exact span
    assert 0 < run.metrics["answer"]["cmrc_f1"] < 1


def test_compare_reports_metric_deltas_and_the_questions_that_changed(tmp_path, full_run):
    better = dict(ANSWERS, **{"河北的贫困发生率是多少？": ("资料中没有相关信息。", True, []),
                              "安嶽縣確定了多少個貧困村？": ("确定贫困村162個[1]。", False, [1])})
    hits = dict(HITS, **{"安嶽縣確定了多少個貧困村？": [ANYUE]})
    evaluate(GOLD, ScriptedPipeline(hits, better), tmp_path / "b", QUIET)
    comparison = compare_runs(full_run.out_dir, tmp_path / "b")
    changed = {c.id: c for c in comparison.changes}
    assert set(changed) == {"q2"}  # q4 stays wrong: refusing an answerable question is no fix
    assert changed["q2"].what == "doc rank: 2 -> 1" and not changed["q2"].worse
    text = format_comparison(comparison)
    assert "retrieval.hit@1" in text and "+0.25" in text


def test_ctrl_c_before_the_first_answer_still_writes_an_empty_scored_run(tmp_path):
    run = evaluate(GOLD, ScriptedPipeline(HITS, ANSWERS, fail_at=GOLD[0].question), tmp_path, QUIET)
    assert run.interrupted and run.metrics["n"] == 0
    assert run.metrics["retrieval"]["hit@1"] is None
    assert (tmp_path / "results.jsonl").read_text(encoding="utf-8") == ""
    assert (tmp_path / "report.md").exists() and (tmp_path / "latency.png").exists()


def test_a_passage_from_a_pdf_page_says_its_page_in_results_and_reads_back(tmp_path):
    from dataclasses import replace

    from rag.evaluation.records import answer_result, read_results, result_lines

    scan = replace(chunk("notice.pdf", "白马村光伏电站今年发电收益二十三万元。"), page=2, ocr=True, date="2020-05-11")
    gold = GoldItem("p1", "白马村光伏电站收益多少？", ("二十三万元",), ("notice.pdf",), "fact")
    answer = Answer(gold.question, "收益二十三万元[1]。", False, (Citation(1, scan),), timings_ms={"total": 5.0})
    line = json.loads(next(iter(result_lines([answer_result(gold, [Hit(scan, 0.9, 1)], answer)]))))
    assert line["retrieved"][0]["page"] == 2 and line["citations"][0]["page"] == 2
    assert line["citations"][0]["ocr"] is True and "date" not in line["citations"][0]  # pages only: results stay small
    (tmp_path / "results.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    (result,) = read_results(tmp_path / "results.jsonl")
    assert result.to_json()["citations"] == line["citations"]


def test_metrics_are_also_given_by_what_each_question_asks_for(full_run):
    metrics = json.loads((full_run.out_dir / "metrics.json").read_text(encoding="utf-8"))
    assert sum(block["n"] for block in metrics["by_kind"].values()) == metrics["n"]
    assert "By what the question asks for" in (full_run.out_dir / "report.md").read_text(encoding="utf-8")
