"""The CLI shell: help, version, and user errors as one line on stderr with exit code 1."""

from __future__ import annotations

import subprocess
import sys

from rag import __version__
from rag.cli.main import main


def run_rag(*args, env=None):
    return subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True, env=env)


def test_help_lists_the_commands():
    result = run_rag("--help")
    assert result.returncode == 0
    assert "setup" in result.stdout


def test_version():
    assert run_rag("--version").stdout.strip() == f"rag {__version__}"


def test_no_command_prints_usage_with_exit_code_2(capsys):
    assert main([]) == 2


def test_a_user_error_is_one_line_on_stderr_with_exit_code_1(tmp_path):
    import os

    env = {**os.environ, "RAG_TOP_K": "lots"}
    result = run_rag("setup", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("rag: error: setting 'top_k'")
    assert "Traceback" not in result.stderr


def test_unknown_model_name_for_setup_is_a_user_error(tmp_path, capsys):
    assert main(["setup", "no-such-model"]) == 1
    assert "unknown model 'no-such-model'; registry models:" in capsys.readouterr().err
