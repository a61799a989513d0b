"""Slash commands generated from command specs (analytics/spec.py).

`cog_from_specs("Streaks", [STREAK, COMPARE])` returns a Cog class whose app commands are the
specs, with their descriptions, choices, ranges, autocomplete and cooldowns (CLI-only options,
such as a local file path, are left out: `parse` gets their default). Every generated
command does the same thing: parse the options (bad input -> the tree's error handler answers
ephemerally, before anything is deferred or read), defer, compute the answer off the event loop
with progress edits and the interaction's time budget, send the embed and chart.
A grouped spec ("alert add") becomes a subcommand of an `app_commands.Group` named "alert".
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Optional  # noqa: UP035 - discord.py reads Optional[...] annotations

import discord
from discord import app_commands
from discord.ext import commands

from analytics.spec import CommandSpec, Option
from bot.answering import answer_interaction
from bot.interactions import per_user

_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}

Autocomplete = Callable[[discord.Interaction, str], Any]


def _annotation(option: Option) -> Any:
    base = _TYPES[option.type]
    if option.type in ("int", "float") and (option.min is not None or option.max is not None):
        low = base(option.min) if option.min is not None else None
        high = base(option.max) if option.max is not None else None
        base = app_commands.Range[base, low, high]  # type: ignore[valid-type,misc]
    return base if option.required else Optional[base]  # noqa: UP045


def _parameters(spec: CommandSpec) -> list[inspect.Parameter]:
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(
            "interaction",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=discord.Interaction,
        ),
    ]
    for option in spec.discord_options:
        default = inspect.Parameter.empty if option.required else option.default
        params.append(
            inspect.Parameter(option.name, kw, default=default, annotation=_annotation(option))
        )
    return params


def spec_command(
    spec: CommandSpec,
    cog_name: str,
    autocompletes: Mapping[str, Autocomplete],
    handler: str | None = None,
) -> app_commands.Command:
    """One slash command for `spec` (the leaf name for a grouped spec). With `handler`, the
    command awaits the cog's method of that name with (interaction, spec, values) instead of
    the generic parse/answer/reply."""
    leaf = spec.path[-1]

    async def callback(self, interaction: discord.Interaction, **values: Any) -> None:
        if handler is None:
            await answer_interaction(interaction, spec, values)
        else:
            await getattr(self, handler)(interaction, spec, values)

    callback.__name__ = leaf
    callback.__qualname__ = f"{cog_name}.{leaf}"
    callback.__signature__ = inspect.Signature(_parameters(spec))  # type: ignore[attr-defined]
    described = app_commands.describe(**{o.name: o.help for o in spec.discord_options})
    callback = described(callback)
    choices = {
        o.name: [app_commands.Choice(name=c.shown[:100], value=c.value) for c in o.choices]
        for o in spec.discord_options
        if o.choices
    }
    if choices:
        callback = app_commands.choices(**choices)(callback)
    completing = {}
    for option in spec.discord_options:
        if option.autocomplete:
            if option.autocomplete not in autocompletes:
                raise ValueError(f"no autocomplete source {option.autocomplete!r} for {spec.name}")
            completing[option.name] = autocompletes[option.autocomplete]
    if completing:
        callback = app_commands.autocomplete(**completing)(callback)
    if spec.cooldown is not None:
        callback = app_commands.checks.cooldown(
            spec.cooldown.rate, spec.cooldown.per, key=per_user
        )(callback)
    return app_commands.Command(name=leaf, description=spec.description, callback=callback)


def cog_from_specs(
    cog_name: str,
    specs: Sequence[CommandSpec],
    *,
    groups: Mapping[str, str] | None = None,
    autocompletes: Mapping[str, Autocomplete] | None = None,
    base: type[commands.Cog] = commands.Cog,
    handler: str | None = None,
) -> type[commands.Cog]:
    """A Cog class holding one slash command per spec.

    `groups` describes the Discord groups of grouped specs ({"alert": "Alerts on ..."}).
    `autocompletes` maps suggestion-source names to callbacks (default: bot.autocomplete).
    `base` lets a feature add hand-written Discord-only commands next to the generated ones.
    `handler` names a method of `base` that runs every command instead of the generic path
    (a feature whose commands need who is asking: identity, permissions, DMs), keeping the
    options exactly the spec's on both front ends.
    """
    if autocompletes is None:
        from bot.autocomplete import SOURCES

        autocompletes = SOURCES
    attrs: dict[str, Any] = {"__module__": base.__module__}
    made: dict[str, app_commands.Group] = {}
    for spec in specs:
        command = spec_command(spec, cog_name, autocompletes, handler)
        if len(spec.path) == 1:
            attrs[spec.name.replace("-", "_")] = command
            continue
        if len(spec.path) != 2:
            raise ValueError(f"{spec.name!r}: at most one group level")
        group_name = spec.path[0]
        group = made.get(group_name)
        if group is None:
            description = (groups or {}).get(group_name)
            if not description:
                raise ValueError(f"group {group_name!r} needs a description in groups=")
            group = app_commands.Group(name=group_name, description=description)
            made[group_name] = group
            attrs[f"{group_name}_group"] = group
        group.add_command(command)

    if base is commands.Cog:

        def __init__(self, bot: commands.Bot) -> None:  # noqa: N807
            self.bot = bot

        attrs["__init__"] = __init__
    return type(cog_name, (base,), attrs)


def spec_names(specs: Iterable[CommandSpec]) -> list[str]:
    return [s.name for s in specs]
