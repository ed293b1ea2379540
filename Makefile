# Two commands do everything on a fresh machine:
#   make run    set up, index seeds/ into indexes/default, open the chat UI
#   make test   set up, run the test suite (fast tests and the real-model / browser tests)
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
# llama.cpp's AMX kernels (chosen by -march=native on CPUs that have AMX) crash on Q4_K_M models
# (ggml-org/llama.cpp#20824): build llama-cpp-python without them; GCC keeps explicit -mno-* over
# what -march=native turns on.
ifeq ($(shell uname -m),x86_64)
export CFLAGS += -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
export CXXFLAGS += -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
endif
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: setup run test fuzz test-fast lint browser system-libs cjk-font pango clean-venv

setup: $(STAMP) system-libs cjk-font
	$(BIN)/rag setup

# torch first and pinned: any other torch spec pulls gigabytes of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/rag index seeds/ --lexicons poverty-alleviation
	$(BIN)/rag ui

# OCR's opencv-python loads libGL and GLib even when it draws nothing; a CJK font for the tests
# that print Chinese into PDFs and images, and for the browser test's screenshot.
system-libs:
	@ldconfig -p | grep -q 'libGL.so.1 ' && ldconfig -p | grep -q 'libgthread-2.0.so.0 ' || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgl1 libglib2.0-0 >/dev/null)

# WeasyPrint, which typesets the tests' second kind of PDF, draws its text with Pango
pango:
	@ldconfig -p | grep -q 'libpango-1.0.so.0 ' && ldconfig -p | grep -q 'libpangoft2-1.0.so.0 ' || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null)

cjk-font:
	@fc-list :lang=zh | grep -q . || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null)

# Debian's chromium for the browser tests; Playwright never downloads a browser.
browser: cjk-font
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: setup cjk-font pango browser lint
	$(BIN)/python -m pytest -q

# ruff (pyflakes, bugbear, import order; then the format) and mypy over rag/, as pyproject.toml configures them
lint: $(STAMP)
	$(BIN)/ruff check rag
	$(BIN)/ruff format --check rag
	$(BIN)/mypy

# A longer search with new random examples each run (make test draws the same ones every time).
fuzz: $(STAMP) system-libs cjk-font
	RAG_FUZZ_EXAMPLES=$${RAG_FUZZ_EXAMPLES:-1000} $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz_loaders.py tests/test_fuzz_api.py

test-fast: $(STAMP) system-libs cjk-font pango
	$(BIN)/python -m pytest -q -m "not models and not browser"

clean-venv:
	rm -rf $(VENV)
