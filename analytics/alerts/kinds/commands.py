"""Running a command's own answer for a fired alert, found by name among the specs, so the
embed is exactly what the command would say (records, levels)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analytics.answer import Answer
from analytics.data.market import MarketData
from analytics.spec import CommandSpec, NoProgress, ParseContext


def spec_named(name: str) -> CommandSpec:
    """The registered spec called `name` (analytics.commands.all_specs); LookupError if none."""
    from analytics.commands import all_specs

    for spec in all_specs():
        if spec.name == name:
            return spec
    raise LookupError(f"no command spec named {name!r}")


def command_answer(name: str, values: Mapping[str, Any], data: MarketData) -> Answer:
    """The answer `/name` gives for `values` (parsed as the command parses them)."""
    from analytics.data.paths import lists_dir

    spec = spec_named(name)
    # The named lists beside the cache, as the command would find them (a breadth alert's).
    ctx = ParseContext(
        today=data.today(), lists_folder=lists_dir(data.cache.path), offline=data.offline
    )
    request = spec.parse_values(values, ctx)
    return spec.answer_function()(data, request, NoProgress())
