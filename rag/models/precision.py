"""The number format the embedding model computes in, chosen from what the CPU does natively.

    fp32  the reference; every CPU
    bf16  weights and activations in bfloat16, Linears fused by oneDNN: 2.1-3.5x fp32 where the
          CPU has AMX, about 2x with AVX512_BF16 alone (`rag bench`, README "Retrieval"); cosine
          >= 0.9999 to fp32 and the same CMRC / DRCD rankings; slow where bf16 is emulated
    int8  dynamically quantised Linear layers (torch, fbgemm): 1.6x fp32 on an AMX CPU but cosine
          only 0.95 to fp32 on Wikipedia chunks, so it is a choice, never a default

`auto` takes bf16 where the CPU has native bf16 and fp32 otherwise."""

from __future__ import annotations

import functools
import platform
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ConfigError

PRECISIONS = ("auto", "fp32", "bf16", "int8")
NATIVE_BF16 = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags


@dataclass(frozen=True)
class Route:
    precision: str  # fp32 | bf16 | int8
    reason: str  # why, for the user: "auto: the CPU has avx512_bf16"


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo); empty where they cannot be read."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def choose(setting: str, flags: frozenset[str] | None = None) -> Route:
    """The route a setting takes on this machine (or on one with `flags`)."""
    if setting not in PRECISIONS:
        raise ConfigError(f"setting 'embed_precision' is '{setting}'; valid choices: {', '.join(PRECISIONS)}")
    if setting != "auto":
        return Route(setting, f"embed_precision = {setting}")
    flags = cpu_flags() if flags is None else flags
    native = [f for f in NATIVE_BF16 if f in flags]
    if native:
        return Route("bf16", f"auto: the CPU multiplies bf16 natively ({', '.join(native)})")
    return Route("fp32", f"auto: no native bf16 on this CPU ({platform.machine() or 'unknown'})")


def apply(model, precision: str):
    """The loaded sentence-transformers model converted to `precision` (in place where it can)."""
    import torch

    if precision == "bf16":
        return fuse_linears(model.to(torch.bfloat16))
    if precision == "int8":
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model


def fuse_linears(model):
    """Each Linear of a bf16 model run by oneDNN with its bias (and a BERT feed-forward's GELU)
    fused into the matrix product. torch's own bf16 Linear first copies the bias into every row
    of the output and then accumulates onto it: a quarter of a bf16 pass on the seeds' chunks
    went to that copy (torch profiler). Left as it is where torch has no oneDNN."""
    import torch

    if not (torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")):
        return model
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if not isinstance(child, torch.nn.Linear):
                continue
            gelu = name == "dense" and _exact_gelu(getattr(module, "intermediate_act_fn", None))
            setattr(module, name, _fused_linear_class()(child, gelu))
            if gelu:
                module.intermediate_act_fn = torch.nn.Identity()
    return model


def _exact_gelu(fn) -> bool:
    """Whether a BERT intermediate layer's activation is the exact (erf) GELU oneDNN can fuse."""
    import torch

    return type(fn).__name__ == "GELUActivation" and getattr(fn, "act", None) is torch.nn.functional.gelu


@functools.cache
def _fused_linear_class():
    import torch

    class FusedLinear(torch.nn.Module):
        def __init__(self, linear: torch.nn.Linear, gelu: bool = False):
            super().__init__()
            self.weight, self.bias = linear.weight, linear.bias
            self.in_features, self.out_features = linear.in_features, linear.out_features
            self.post, self.algorithm = ("gelu", "none") if gelu else ("none", "")

        def forward(self, x):
            flat = x.reshape(-1, x.shape[-1])
            out = torch.ops.mkldnn._linear_pointwise(flat, self.weight, self.bias, self.post, [], self.algorithm)
            return out.reshape(*x.shape[:-1], self.out_features)

    return FusedLinear
