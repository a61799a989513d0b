"""Every command, declared once (analytics/spec.py), and the few that exist on one front end only.

`SPEC_MODULES` are light modules (no pandas at import) that each export `SPECS`, a tuple of
`CommandSpec`. The CLI and the Discord cogs are generated from them; the parity test
(tests/test_command_parity.py) checks that both front ends expose the same commands and options,
except those listed in `FRONT_END_ONLY`.
"""

from __future__ import annotations

import importlib

from analytics.spec import CommandSpec, FrontEndOnly

SPEC_MODULES: tuple[str, ...] = ("analytics.commands.records", "analytics.commands.macro")

GROUPS: tuple[tuple[str, str], ...] = ()
"""Descriptions of command groups ("alert add" is in the group "alert")."""

FRONT_END_ONLY = FrontEndOnly(
    discord={
        "help": "Discord lists its own commands; the CLI has --help",
        "subscribe": "posts to a Discord channel",
        "unsubscribe": "posts to a Discord channel",
        "subscriptions": "posts to a Discord channel",
    },
    cli={
        "import": "loads local files into the cache",
        "cache": "inspects the local cache file",
        "run": "starts the bot",
        "invite": "prints the bot's invite URL",
    },
)


def all_specs() -> tuple[CommandSpec, ...]:
    """Every spec, in the order of SPEC_MODULES."""
    specs: list[CommandSpec] = []
    for name in SPEC_MODULES:
        specs.extend(importlib.import_module(name).SPECS)
    return tuple(specs)
