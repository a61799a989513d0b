"""Every command, declared once (analytics/spec.py), and the few that exist on one front end only.

`SPEC_MODULES` are light modules (no pandas at import) that each export `SPECS`, a tuple of
`CommandSpec`. The CLI and the Discord cogs are generated from them; the parity test
(tests/bot/test_command_parity.py) checks that both front ends expose the same commands and options,
except those listed in `FRONT_END_ONLY`.
"""

from __future__ import annotations

import importlib

from analytics.alerts.specs import GROUP as ALERT_GROUP
from analytics.spec import CommandSpec, FrontEndOnly

SPEC_MODULES: tuple[str, ...] = (
    # The order of `marketbot --help`: one ticker or a pair, then universes, then macro, then
    # what builds on them.
    "analytics.commands.streaks",
    "analytics.commands.records",
    "analytics.commands.movers",
    "analytics.commands.contributors",
    "analytics.commands.breadth",
    "analytics.commands.revisions",
    "analytics.commands.macro",
    "analytics.commands.history",
    "analytics.alerts.specs",
    "analytics.subscriptions.specs",
)

GROUPS: tuple[tuple[str, str], ...] = (
    ("history", "What happened next: past episodes of a signal and the returns that followed"),
    ALERT_GROUP,
)
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
        "prices": "the former name of price, kept as an alias with the same options",
        "alert check": "a dry run of the evening's evaluation on the operator's cache",
    },
)


def all_specs() -> tuple[CommandSpec, ...]:
    """Every spec, in the order of SPEC_MODULES."""
    specs: list[CommandSpec] = []
    for name in SPEC_MODULES:
        specs.extend(importlib.import_module(name).SPECS)
    return tuple(specs)
