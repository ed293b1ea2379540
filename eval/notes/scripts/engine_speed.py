"""Prefill and decode speed of the default 1.5B model under llama.cpp's options (flash attention,
batch sizes, KV cache type), each option set in its own freshly loaded model, timed three times on
one prompt of about 640 tokens with an empty cache. Usage: python engine_speed.py
(seventeenth session, eval/notes/latency-and-engine.md)."""

from llama_cpp import Llama
from quant_speed import timed  # the same timing, beside this script

from rag.answer.prompt import SYSTEM
from rag.config import load_config
from rag.models.llm.llama_cpp import gguf_path

MODEL = str(gguf_path("qwen2.5-coder-1.5b-instruct", load_config()))
PASSAGE = (
    "[1] 《藤县五大举措打赢脱贫攻坚收官之战》\n5月9日,脱贫攻坚战传来捷报:自治区政府召开常务会议,批准藤县等21个县(市、区)"
    "退出贫困县序列。藤县经过四年全力攻坚,累计实现12.2万贫困人口减贫、85个贫困村出列,贫困发生率下降至0.59%。"
    "四年来该县各项工作向脱贫攻坚聚焦,各种资源向脱贫攻坚聚集、各方力量向脱贫攻坚聚合。"
)
USER = "资料：\n\n" + PASSAGE * 4 + "\n\n问题：藤县累计实现多少贫困人口减贫？\n请用一句完整的话回答问题（写出具体内容），句末标注资料编号，如“……[1]。”"
VARIANTS = {
    "default (batch 512)": {},
    "flash attention": dict(flash_attn=True),
    "batch 1024": dict(n_batch=1024, n_ubatch=1024),
    "ubatch 128": dict(n_batch=512, n_ubatch=128),
    "ubatch 256": dict(n_batch=512, n_ubatch=256),
    "flash + q8_0 KV": dict(flash_attn=True, type_k=8, type_v=8),
}

for name, options in VARIANTS.items():
    llm = Llama(model_path=MODEL, n_ctx=2048, n_threads=2, n_threads_batch=2, seed=0, verbose=False, **options)
    timed(llm, [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}], name)
    del llm
