"""Generators: the factory, stop handling, the OpenAI-compatible backend against a real local
HTTP server, the transformers backend on a tiny random model, and the real 0.5B GGUF through
llama-cpp-python (marked `models`)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.config import Config
from rag.errors import ConfigError, GenerationError, ModelError, Stopped
from rag.models.llm import StopTrimmer, make_generator

CHINESE_QUESTION = [{"role": "system", "content": "你是一个乐于助人的助手。请用中文回答。"},
                    {"role": "user", "content": "用一句话介绍一下北京。"}]


def test_an_unknown_backend_names_the_valid_ones():
    with pytest.raises(ConfigError, match="llama_cpp, transformers, openai"):
        make_generator(Config(llm_backend="vllm"))


def test_the_same_model_is_one_generator_and_nothing_loads_until_used(tmp_path):
    config = Config(models_dir=str(tmp_path))  # an empty cache: loading would fail
    first = make_generator(config)
    assert make_generator(config) is first and first.name == "qwen2.5-coder-1.5b-instruct"
    assert make_generator(config, "qwen2.5-coder-0.5b-instruct") is not first


def test_a_change_to_an_engine_setting_is_a_generator_of_its_own(tmp_path):
    config = Config(models_dir=str(tmp_path))
    first = make_generator(config)
    for change in (dict(llm_flash_attn=True), dict(llm_batch=1024), dict(llm_lookup=8), dict(n_ctx=4096)):
        assert make_generator(config.replace(**change)) is not first, change


def test_a_missing_registry_model_says_to_run_setup(tmp_path):
    generator = make_generator(Config(models_dir=str(tmp_path)), "qwen2.5-coder-0.5b-instruct")
    with pytest.raises(ModelError, match="rag setup"):
        generator.generate(CHINESE_QUESTION, max_tokens=4)


def test_llama_cpp_refuses_a_file_that_is_not_gguf(tmp_path):
    model = tmp_path / "model.bin"
    model.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a .gguf"):
        make_generator(Config(), str(model)).generate(CHINESE_QUESTION, max_tokens=4)


def test_a_stop_string_split_across_pieces_is_never_shown():
    trimmer = StopTrimmer(["<|im_end|>"])
    shown = trimmer.feed("答案是0.59%<|im") + trimmer.feed("_end|>后面") + trimmer.flush()
    assert shown == "答案是0.59%"


def test_without_a_stop_string_everything_is_shown():
    trimmer = StopTrimmer(["\n\n\n"])
    assert trimmer.feed("一") + trimmer.feed("二\n") + trimmer.flush() == "一二\n"


# --- the OpenAI-compatible backend, against a real server on 127.0.0.1 ------------------------

class _ChatServer(BaseHTTPRequestHandler):
    script: list[str] = []
    status = 200
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if self.status != 200:
            self.send_response(self.status)
            self.end_headers()
            self.wfile.write(b'{"error": "model not found"}')
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in self.script:
            event = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
        usage = {"choices": [], "usage": {"prompt_tokens": 42, "completion_tokens": len(self.script)}}
        self.wfile.write(f": keep-alive\n\ndata: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server():
    _ChatServer.script, _ChatServer.status, _ChatServer.seen = [], 200, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _ChatServer, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _openai(base_url: str, **settings):
    return make_generator(Config(llm_backend="openai", openai_base_url=base_url, openai_model="qwen-test", **settings))


def test_the_openai_backend_streams_the_server_pieces_in_order(chat_server):
    server, url = chat_server
    server.script = ["藤县", "贫困发生率", "下降至0.59%[1]。"]
    generator = _openai(url)
    assert list(generator.stream(CHINESE_QUESTION, max_tokens=50)) == server.script
    assert generator.last_usage.prompt_tokens == 42 and generator.last_usage.completion_tokens == 3


def test_the_openai_request_carries_model_messages_and_streaming(chat_server):
    server, url = chat_server
    server.script = ["好"]
    _openai(url, openai_api_key="sk-local").generate(CHINESE_QUESTION, max_tokens=7, stop=["\n\n\n"])
    request = server.seen[-1]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-local"
    body = request["body"]
    assert body["model"] == "qwen-test" and body["messages"] == CHINESE_QUESTION
    assert body["stream"] is True and body["max_tokens"] == 7 and body["stop"] == ["\n\n\n"]


def test_the_openai_backend_cuts_at_stop_strings_the_server_ignored(chat_server):
    server, url = chat_server
    server.script = ["答案。", "<|im_", "end|>多余"]
    assert _openai(url).generate(CHINESE_QUESTION, 50, stop=["<|im_end|>"]) == "答案。"


def test_an_http_error_names_the_status(chat_server):
    server, url = chat_server
    server.status = 404
    with pytest.raises(GenerationError, match="HTTP 404.*model not found"):
        _openai(url).generate(CHINESE_QUESTION, 5)


def test_an_unreachable_server_names_the_url_and_the_setting():
    generator = _openai("http://127.0.0.1:9/v1")
    with pytest.raises(GenerationError, match=r"127\.0\.0\.1:9/v1/chat/completions.*openai_base_url"):
        generator.generate(CHINESE_QUESTION, 5)


# --- the transformers backend on a tiny randomly initialised model -----------------------------

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A 2-layer Qwen2 with a character tokenizer and a ChatML template: real transformers code
    paths (chat template, generate, streamer, stop strings) in a second."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    folder = tmp_path_factory.mktemp("tiny-qwen")
    chars = sorted(set("".join(m["content"] for m in CHINESE_QUESTION) + "systemuserassistant\n藤县贫困发生率0.59%"))
    vocab = {tok: i for i, tok in enumerate(["<unk>", "<|im_start|>", "<|im_end|>", *chars])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", eos_token="<|im_end|>",
                                        additional_special_tokens=["<|im_start|>"])
    tokenizer.chat_template = CHATML
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
                         eos_token_id=vocab["<|im_end|>"], pad_token_id=0)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.mark.models  # no model files, but torch + transformers take seconds to import
def test_the_transformers_backend_streams_what_generate_returns(tiny_model):
    generator = make_generator(Config(llm_backend="transformers", n_threads=1), str(tiny_model))
    pieces = list(generator.stream(CHINESE_QUESTION, max_tokens=12))
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == generator.generate(CHINESE_QUESTION, max_tokens=12)  # greedy: repeatable
    assert generator.last_usage.prompt_tokens > len(CHINESE_QUESTION[1]["content"])


@pytest.mark.models
def test_the_transformers_backend_honours_max_tokens(tiny_model):
    generator = make_generator(Config(llm_backend="transformers", n_threads=1), str(tiny_model))
    assert len(generator.generate(CHINESE_QUESTION, max_tokens=3)) <= 3  # one character per token


def test_a_transformers_folder_that_does_not_exist_is_a_model_error(tmp_path):
    generator = make_generator(Config(llm_backend="transformers"), str(tmp_path / "missing-model"))
    with pytest.raises(ModelError):
        generator.generate(CHINESE_QUESTION, max_tokens=3)


# --- the real fast model through llama-cpp-python --------------------------------------------

@pytest.mark.models
def test_the_real_small_model_answers_chinese_in_chinese(models_config):
    generator = make_generator(models_config.replace(n_ctx=1024), "qwen2.5-coder-0.5b-instruct")
    pieces = list(generator.stream(CHINESE_QUESTION, max_tokens=40, stop=["<|im_end|>"]))
    text = "".join(pieces)
    assert len(pieces) > 3  # streamed, not returned at once
    assert sum("\u4e00" <= c <= "\u9fff" for c in text) >= 5, text
    assert generator.last_usage.prompt_tokens > 10 and 0 < generator.last_usage.completion_tokens <= 40
    loaded = generator._llm
    generator.generate(CHINESE_QUESTION, max_tokens=4)
    assert generator._llm is loaded  # one loaded model, reused


ODDS_PROMPT = [{"role": "system", "content": "你是严谨的资料问答助手。"},
               {"role": "user", "content": "资料：甲县的贫困发生率下降至0.59%。\n问题：甲县的贫困发生率下降到了多少？\n"
                                           "有人这样回答：{answer}\n资料是否明确写出了这一点？只回答“是”或“否”。"}]


def odds_prompt(answer):
    return [ODDS_PROMPT[0], {"role": "user", "content": ODDS_PROMPT[1]["content"].format(answer=answer)}]


@pytest.mark.models
def test_the_real_model_weighs_yes_against_no_and_a_wrong_answer_gets_more_no(models_config):
    generator = make_generator(models_config.replace(n_ctx=1024), "qwen2.5-coder-0.5b-instruct")
    right = generator.odds(odds_prompt("甲县的贫困发生率下降至0.59%。"), ("是", "否"))
    wrong = generator.odds(odds_prompt("甲县的贫困发生率下降至85%。"), ("是", "否"))
    assert abs(sum(right.values()) - 1) < 1e-6 and set(right) == {"是", "否"}
    assert wrong["否"] > right["否"], (right, wrong)


@pytest.mark.models
def test_weighing_keeps_the_cache_honest_for_the_next_answer(models_config):
    generator = make_generator(models_config.replace(n_ctx=1024), "qwen2.5-coder-0.5b-instruct")
    before = generator.generate(CHINESE_QUESTION, max_tokens=12)
    generator.odds(odds_prompt("甲县的贫困发生率下降至0.59%。"), ("是", "否"))
    assert generator.generate(CHINESE_QUESTION, max_tokens=12) == before  # same prompt, same greedy answer


LONG_PROMPT = [{"role": "system", "content": "你是资料问答助手。"},
               {"role": "user", "content": "资料：" + "藤县经过四年全力攻坚，累计实现12.2万贫困人口减贫。" * 120
                                           + "\n问题：藤县累计实现多少贫困人口减贫？"}]


@pytest.mark.models
@pytest.mark.parametrize("call", ["stream", "odds"])
def test_a_stop_lands_while_the_model_reads_a_long_prompt_and_it_answers_the_next_alike(models_config, call):
    generator = make_generator(models_config.replace(n_ctx=4096), "qwen2.5-coder-0.5b-instruct")
    before = generator.generate(CHINESE_QUESTION, max_tokens=12)
    pressed = time.monotonic() + 0.5  # a prompt of about 2,000 tokens takes this model seconds to read
    with generator.stopping(lambda: time.monotonic() >= pressed), pytest.raises(Stopped):
        if call == "stream":
            list(generator.stream(LONG_PROMPT, max_tokens=20))
        else:
            generator.odds(LONG_PROMPT, ("是", "否"))
    assert time.monotonic() - pressed < 1.0
    assert generator.generate(CHINESE_QUESTION, max_tokens=12) == before
