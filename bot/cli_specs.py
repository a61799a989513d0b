"""`marketbot` subcommands generated from command specs (analytics/spec.py).

Each spec becomes a subcommand with the same option names (`as_of` is `--as-of`), defaults, help,
choices and ranges as its slash command; a grouped spec ("alert add") is `marketbot alert add`.
Running one: the raw values go through the spec's `parse` (bad input exits 2 before the cache is
opened), then the answer is computed in a worker thread with a terminal progress bar and printed
as a panel or JSON.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from analytics.spec import CommandSpec, Option

_TYPES: dict[str, Callable[[str], Any]] = {"str": str, "int": int, "float": float}

DISCORD_INT_LIMIT = 2**53
"""Discord's integer options lie within ±2^53 whatever their declared range; the CLI's too, so
that a 400-digit id is refused as on Discord instead of overflowing SQLite's integers."""


def _bounds(option: Option) -> tuple[float | None, float | None]:
    if option.type != "int":
        return option.min, option.max
    low = option.min if option.min is not None else -DISCORD_INT_LIMIT
    high = option.max if option.max is not None else DISCORD_INT_LIMIT
    return low, high


def _shown(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _ranged(option: Option) -> Callable[[str], Any]:
    """argparse `type=` for an int/float option that checks the option's range."""
    convert = _TYPES[option.type]
    kind = "a whole number" if option.type == "int" else "a number"
    low, high = _bounds(option)

    def check(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {kind}") from None
        if low is not None and value < low:
            raise argparse.ArgumentTypeError(f"{_brief(value)} is below the minimum {_shown(low)}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{_brief(value)} is above the maximum {_shown(high)}")
        return value

    check.__name__ = option.type  # argparse names the type in its messages
    return check


def _brief(value: Any) -> str:
    """The value as typed, cut short when it is hundreds of digits long."""
    text = str(value)
    return text if len(text) <= 30 else f"{text[:20]}... ({len(text)} digits)"


def _help(option: Option) -> str:
    text = option.help.replace("%", "%%")
    if option.default not in (None, False, "") and "default" not in option.help.lower():
        text += f" (default {option.default})"
    return text


def add_option(parser: argparse.ArgumentParser, option: Option) -> None:
    """One spec option as an argparse argument."""
    kwargs: dict[str, Any] = {"help": _help(option)}
    if option.type == "bool":
        if option.positional or option.default not in (None, False):
            raise ValueError(f"{option.name}: bool options are flags that default to off")
        parser.add_argument(option.cli_name, action="store_true", default=None, **kwargs)
        return
    if option.type != "str" or option.min is not None or option.max is not None:
        kwargs["type"] = _ranged(option)
    if option.choices:
        kwargs["choices"] = [c.value for c in option.choices]
    if option.positional:
        if option.many:
            kwargs["nargs"] = "+" if option.required else "*"
        elif not option.required:
            kwargs["nargs"] = "?"
        kwargs["default"] = None
        parser.add_argument(option.name, metavar=option.name.upper(), **kwargs)
        return
    if option.many:
        kwargs["nargs"] = "+"
    kwargs["default"] = None
    kwargs["required"] = option.required
    kwargs["dest"] = option.name
    parser.add_argument(option.cli_name, **kwargs)


def cli_values(spec: CommandSpec, args: argparse.Namespace) -> dict[str, Any]:
    """What the user typed, by option name (lists of `many` options joined with spaces)."""
    values: dict[str, Any] = {}
    for option in spec.options:
        value = getattr(args, option.name, None)
        if isinstance(value, list):
            value = " ".join(value) if value else None
        values[option.name] = value
    return values


def add_spec_commands(
    add: Callable[..., argparse.ArgumentParser],
    add_group: Callable[[str, str], Callable[..., argparse.ArgumentParser]],
    specs: Iterable[CommandSpec],
    groups: dict[str, str],
) -> None:
    """Register every spec: `add(name, help, handler)` for top-level commands; for grouped ones
    `add_group(group, description)` returns the `add` of that group's subcommands."""
    group_adders: dict[str, Callable[..., argparse.ArgumentParser]] = {}
    for spec in specs:
        if len(spec.path) == 1:
            adder = add
        else:
            group = spec.path[0]
            if group not in group_adders:
                group_adders[group] = add_group(group, groups[group])
            adder = group_adders[group]
        parser = adder(spec.path[-1], spec.description, _handler(spec))
        if spec.epilog:
            parser.epilog = spec.epilog
        for option in spec.options:
            add_option(parser, option)


def _handler(spec: CommandSpec) -> Callable[[argparse.Namespace, Any], None]:
    def handle(args: argparse.Namespace, ctx: Any) -> None:
        run_spec(spec, cli_values(spec, args), ctx)

    handle.__name__ = f"run_{spec.path[-1]}"
    return handle


def run_spec(spec: CommandSpec, values: dict[str, Any], ctx: Any) -> None:
    """Parse (before the cache is opened), compute with a progress bar, print."""
    request = spec.parse_values(values, ctx.parse_context())
    services = ctx.services()
    import asyncio  # not at import: `marketbot --help` stays light

    answer = asyncio.run(_compute(spec, services, request, show_progress=not ctx.json))
    ctx.emit(answer, json_view=spec.json_view)


async def _compute(spec: CommandSpec, services: Any, request: Any, *, show_progress: bool) -> Any:
    from bot.answering import compute_answer
    from bot.terminal import TerminalProgress

    with TerminalProgress(spec.progress_label, enabled=show_progress) as progress:
        async with services.http_session():
            return await compute_answer(spec, services.market, request, progress)


def spec_paths(specs: Sequence[CommandSpec]) -> list[str]:
    return [" ".join(s.path) for s in specs]
