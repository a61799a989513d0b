"""Running the `marketbot` CLI in-process from tests."""

from __future__ import annotations

from bot.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """main(argv) -> (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
