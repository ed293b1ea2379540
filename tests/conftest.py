"""Shared fixtures. Fast tests use no model; tests marked `models` use the real default models
from the model cache (filled by `rag setup`, which `make test` runs first) and load each once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

# The fuzz tests draw the same examples on every `make test`, so that the gate passes or fails by
# the code and not by the draw; `make fuzz` (RAG_FUZZ_EXAMPLES set) draws new ones, and more.
settings.register_profile("gate", derandomize=True)
settings.register_profile("search", derandomize=False)
settings.load_profile("search" if os.environ.get("RAG_FUZZ_EXAMPLES") else "gate")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


# three of the seed reports: enough for updates, removals and two places, quick to index
SEED_FILES = ("000_bebb5635b1c7aea1.txt", "001_402b0891d839cf2c.txt", "002_56ffc93fffebd40f.txt")


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A folder holding copies of SEED_FILES, free to change and delete."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in SEED_FILES:
        shutil.copyfile(SEEDS / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def models_config():
    """The default configuration, pointing at the real model cache; fails loudly if set-up
    has not run, because `make test` must exercise the real models."""
    from rag.config import load_config

    config = load_config(environ=os.environ)
    if not config.models_path.exists():
        pytest.fail(f"model cache {config.models_path} is missing: run `make setup` (or `rag setup`) first")
    return config


@pytest.fixture
def poverty_lexicon():
    """The poverty-alleviation lexicon opted into for one test (the seeds' domain words whole),
    and off again afterwards, as it is by default."""
    from rag.config import Config, apply_lexicons

    apply_lexicons(Config(lexicons="poverty-alleviation"))
    yield
    apply_lexicons(Config())


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright, for the tests marked `browser` (tests/browser_harness.py)."""
    from browser_harness import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A real PostgreSQL server (the pgserver wheel's own binaries), for the whole run."""
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("postgres"), cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def new_postgres_database(postgres_server):
    """Makes a new, empty database on the PostgreSQL server: its URL, as a user gives `database_url`."""
    import uuid

    def make() -> str:
        name = f"rag_{uuid.uuid4().hex[:12]}"
        postgres_server.psql(f"CREATE DATABASE {name};")
        return f"postgresql://postgres@/{name}?host={postgres_server.get_uri().split('host=', 1)[1]}"

    return make


@pytest.fixture
def postgres_url(new_postgres_database) -> str:
    return new_postgres_database()
