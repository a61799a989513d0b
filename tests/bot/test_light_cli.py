"""`marketbot --help`, a subcommand's --help and `marketbot invite` import none of the heavy
libraries (issue 15: --help within 150 ms). A correctness check of what is imported, in a fresh
interpreter; the time itself is measured by bench/startup.py, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

HEAVY = ("pandas", "numpy", "discord", "aiohttp", "matplotlib", "yfinance", "exchange_calendars")

PROBE = """
import contextlib, io, json, sys
argv = json.loads(sys.argv[1])
from bot.cli import build_parser, command_word, main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    if argv is None:
        build_parser()  # every subcommand's options, as the parity test builds them
        code = 0
    else:
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
heavy = json.loads(sys.argv[2])
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(heavy))
print(json.dumps({"code": code, "loaded": loaded, "out": out.getvalue()}))
"""


def _probe(argv: list[str] | None, tmp_path) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MARKETBOT_DB": str(tmp_path / "m.db")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_building_the_whole_parser_imports_nothing_heavy(tmp_path):
    assert _probe(None, tmp_path)["loaded"] == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["streak", "--help"],
        ["movers", "--help"],
        ["history", "streak", "--help"],
        ["alert", "add", "--help"],
        ["import", "prices", "--help"],
        ["--db", "x.db", "digest", "--help"],
    ],
)
def test_help_imports_nothing_heavy(argv, tmp_path):
    result = _probe(argv, tmp_path)
    assert result["code"] == 0
    assert result["out"].startswith("usage: marketbot")
    assert result["loaded"] == []


def test_invite_imports_neither_pandas_nor_discord(tmp_path):
    result = _probe(["invite", "--client-id", "1100000000000000001"], tmp_path)
    assert result["code"] == 0
    assert result["out"].strip() == (
        "https://discord.com/oauth2/authorize?client_id=1100000000000000001"
        "&scope=bot+applications.commands&permissions=117760"
    )
    assert result["loaded"] == []


def test_the_invite_url_is_discord_pys():
    import discord

    from bot.invite import PERMISSION_BITS, SCOPES, invite_url

    permissions = discord.Permissions(**dict.fromkeys(PERMISSION_BITS, True))
    assert invite_url(42) == discord.utils.oauth_url(42, permissions=permissions, scopes=SCOPES)


def test_the_command_word_skips_the_common_options_and_their_values():
    from bot.cli import command_word

    assert command_word(["--help"]) is None
    assert command_word([]) is None
    assert command_word(["--db", "streak", "price", "SPY"]) == "price"
    assert command_word(["--db=x.db", "streak"]) == "streak"
    assert command_word(["--chart", "out", "--json", "movers"]) == "movers"  # an abbreviation
    assert command_word(["--offline", "history", "streak"]) == "history"
