"""The generation cache: a prompt seen before is answered from the file, in full, without the
model; anything else runs the model and is recorded."""

from __future__ import annotations

import pytest
from fake_generator import ScriptedGenerator, WeighingGenerator

from rag.errors import GenerationError
from rag.models.llm.replay import ReplayGenerator

ASK = [{"role": "user", "content": "藤县的贫困发生率是多少?"}]
OTHER = [{"role": "user", "content": "黔江区召开了多少次动员会?"}]


def test_a_prompt_seen_before_is_replayed_without_the_model(tmp_path):
    first = ScriptedGenerator("下降至0.59%[1]。")
    assert ReplayGenerator(first, tmp_path / "cache.jsonl").generate(ASK, 50) == "下降至0.59%[1]。"
    model = ScriptedGenerator("something else")
    replay = ReplayGenerator(model, tmp_path / "cache.jsonl")
    assert replay.generate(ASK, 50) == "下降至0.59%[1]。"
    assert model.calls == [] and replay.replayed == 1


def test_another_prompt_or_length_runs_the_model(tmp_path):
    ReplayGenerator(ScriptedGenerator("甲"), tmp_path / "c.jsonl").generate(ASK, 50)
    model = ScriptedGenerator("乙")
    replay = ReplayGenerator(model, tmp_path / "c.jsonl")
    assert replay.generate(OTHER, 50) == "乙" and replay.generate(ASK, 60) == "乙"
    assert len(model.calls) == 2


def test_an_answer_the_caller_stopped_reading_is_recorded_whole(tmp_path):
    stream = ReplayGenerator(ScriptedGenerator("一二三四五六七八九十", piece=2), tmp_path / "c.jsonl").stream(ASK, 50)
    assert next(stream) == "一二"
    stream.close()
    assert ReplayGenerator(ScriptedGenerator(), tmp_path / "c.jsonl").generate(ASK, 50) == "一二三四五六七八九十"


def test_a_failed_answer_is_not_recorded(tmp_path):
    replay = ReplayGenerator(ScriptedGenerator("一二三四", piece=2, fail="server gone"), tmp_path / "c.jsonl")
    with pytest.raises(GenerationError):
        replay.generate(ASK, 50)
    assert not (tmp_path / "c.jsonl").exists()


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path):
    ReplayGenerator(ScriptedGenerator("甲"), tmp_path / "c.jsonl").generate(ASK, 50)
    with (tmp_path / "c.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"key": "abc", "te')
    assert ReplayGenerator(ScriptedGenerator("乙"), tmp_path / "c.jsonl").generate(ASK, 50) == "甲"


def test_odds_are_remembered_like_answers(tmp_path):
    assert ReplayGenerator(WeighingGenerator(doubt=0.25), tmp_path / "c.jsonl").odds(ASK, ("是", "否")) == {"是": 0.75, "否": 0.25}
    model = WeighingGenerator(doubt=0.9)
    replay = ReplayGenerator(model, tmp_path / "c.jsonl")
    assert replay.odds(ASK, ("是", "否"))["否"] == 0.25 and len(model.weighed) == 0
    assert replay.odds(OTHER, ("是", "否"))["否"] == 0.9 and len(model.weighed) == 1


def test_a_replayed_model_weighs_only_where_its_model_does(tmp_path):
    from rag.answer.judge import weighs

    assert weighs(ReplayGenerator(WeighingGenerator(doubt=0.1), tmp_path / "a.jsonl"))
    assert not weighs(ReplayGenerator(ScriptedGenerator("是"), tmp_path / "b.jsonl"))
