"""Prefill and decode speed of the 1.5B model in other llama.cpp quantisations, made from the
shipped Q4_K_M (llama_model_quantize with allow_requantize), each timed three times on one
prompt of about 410 tokens with an empty cache. Usage: python quant_speed.py [q4_k_m q8_0 q4_0 bf16 f16]
(sixteenth session; bf16 and f16 eighteenth; eval/notes/latency-and-engine.md)."""

import sys
import time
from pathlib import Path

import llama_cpp
from llama_cpp import Llama

from rag.answer.prompt import SYSTEM
from rag.config import load_config
from rag.models.llm.llama_cpp import gguf_path

SHIPPED = gguf_path("qwen2.5-coder-1.5b-instruct", load_config())
FTYPES = {
    "q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0,
    "q4_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0,
    "bf16": llama_cpp.LLAMA_FTYPE_MOSTLY_BF16,
    "f16": llama_cpp.LLAMA_FTYPE_MOSTLY_F16,
}
PASSAGE = (
    "[1] 《藤县五大举措打赢脱贫攻坚收官之战》\n5月9日,脱贫攻坚战传来捷报:自治区政府召开常务会议,批准藤县等21个县(市、区)"
    "退出贫困县序列。藤县经过四年全力攻坚,累计实现12.2万贫困人口减贫、85个贫困村出列,贫困发生率下降至0.59%。"
    "四年来该县各项工作向脱贫攻坚聚焦,各种资源向脱贫攻坚聚集、各方力量向脱贫攻坚聚合。"
)
USER = "资料：\n\n" + PASSAGE * 2 + "\n\n问题：藤县累计实现多少贫困人口减贫？\n请用一句完整的话回答问题（写出具体内容），句末标注资料编号，如“……[1]。”"


def model_file(name: str) -> str:
    if name == "q4_k_m":
        return str(SHIPPED)
    out = Path(f"/tmp/qwen15-{name}.gguf")
    if not out.exists():
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype, params.allow_requantize, params.nthread = FTYPES[name], True, 2
        llama_cpp.llama_model_quantize(str(SHIPPED).encode(), str(out).encode(), params)
    return str(out)


def timed(llm: Llama, messages: list, label: str, runs: int = 3) -> None:
    """Prefill and decode speed of `messages`, `runs` times with an empty cache."""
    for _ in range(runs):
        llm.reset()
        begun, first, pieces = time.perf_counter(), None, 0
        for chunk in llm.create_chat_completion(messages=messages, max_tokens=40, temperature=0, stream=True):
            if chunk["choices"][0]["delta"].get("content"):
                first, pieces = first or time.perf_counter(), pieces + 1
        done = time.perf_counter()
        prompt = llm.n_tokens - pieces
        print(f"{label}: prompt {prompt} tokens, prefill {(first - begun) * 1000:.0f} ms "
              f"({prompt / (first - begun):.0f} tokens/s), decode {pieces / (done - first):.1f} tokens/s", flush=True)


if __name__ == "__main__":
    for name in sys.argv[1:] or ["q4_k_m", "q8_0", "q4_0"]:
        llm = Llama(model_path=model_file(name), n_ctx=2048, n_threads=2, n_threads_batch=2, seed=0, verbose=False)
        timed(llm, [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}], name)
        del llm
