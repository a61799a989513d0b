"""Hypothesis strategies for whole invocations, generated from the command specs.

Nothing here names a command: `cli_argv(spec, world)` and `discord_options(spec, world)` walk
the spec's options (analytics/spec.py) and draw each one's value from tests/properties/values.py
by what the option is, so a new command or option is covered as soon as it is declared.

Each invocation is drawn either clean (every option valid for its kind, so answers are
reached and the analytics behind them run) or rough (each option valid or hostile). The CLI
gets text as argv carries it (no NUL: an argv string cannot hold one), with wrong types where a
number goes and values outside choices and ranges. Discord gets what its client sends: typed
values, choices and ranges enforced, strings of at most 6,000 characters (the fake refuses
anything else, as Discord's client would not send it).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from analytics.spec import CommandSpec, Option
from tests.properties.values import (
    World,
    hostile_text,
    in_range_float,
    in_range_int,
    kind_of,
    levels,
    symbols,
    text_for,
)

__all__ = ["World", "cli_argv", "discord_options", "hostile_text", "kind_of", "text_for"]


def _either(valid: st.SearchStrategy, odd: st.SearchStrategy, hostile: bool) -> st.SearchStrategy:
    """`valid` alone when clean; else valid two times in three."""
    return st.one_of(valid, valid, odd) if hostile else valid


def cli_text(option: Option, world: World, *, hostile: bool) -> st.SearchStrategy[str]:
    """One token a user could type at the terminal for `option`."""
    kind = kind_of(option)
    odd = hostile_text(argv=True)
    if kind == "choice":
        values = [str(c.value) for c in option.choices]
        variants = [v.upper() for v in values] + [v + " " for v in values]
        return _either(st.sampled_from(values), st.sampled_from(variants) | odd, hostile)
    if kind == "int":
        around = []
        if option.min is not None:
            around += [int(option.min) - 1, int(option.min)]
        if option.max is not None:
            around += [int(option.max), int(option.max) + 1]
        wrong = st.one_of(
            st.sampled_from(around or [0]).map(str),
            st.integers(-(10**30), 10**30).map(str),
            st.sampled_from(["1.5", "1e3", "0x10", " 7 ", "٣", "1_000", "abc", "ten"]),
            odd,
        )
        return _either(in_range_int(option).map(str), wrong, hostile)
    if kind == "float":
        wrong = st.one_of(
            st.floats().map(repr),  # nan, inf, -inf, subnormals, huge
            st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "-1e309", "5%", "1_000", "٣"]),
            odd,
        )
        return _either(in_range_float(option).map(repr), wrong, hostile)
    return _either(text_for(kind, world), odd, hostile)


def cli_tokens(option: Option, world: World, *, hostile: bool) -> st.SearchStrategy[list[str]]:
    """The tokens of one given option's value: one, or 1-5 for a `many` option."""
    if option.many and kind_of(option) in ("symbols", "levels"):
        one = symbols(world) if kind_of(option) == "symbols" else levels(world)
        valid = st.lists(one, min_size=1, max_size=5)
        odd = st.lists(hostile_text(argv=True), min_size=1, max_size=3)
        return _either(valid, odd, hostile)
    if option.many:
        return st.lists(cli_text(option, world, hostile=hostile), min_size=1, max_size=4)
    return cli_text(option, world, hostile=hostile).map(lambda t: [t])


def discord_value(option: Option, world: World, *, hostile: bool) -> st.SearchStrategy[Any]:
    """What Discord's client could send for `option` (it enforces types, choices, ranges)."""
    kind = kind_of(option)
    if kind == "choice":
        return st.sampled_from([c.value for c in option.choices])
    if kind == "int":
        edges = [int(v) for v in (option.min, option.max) if v is not None]
        return st.one_of(in_range_int(option), st.sampled_from(edges or [0]))
    if kind == "float":
        edges = [float(v) for v in (option.min, option.max) if v is not None]
        return st.one_of(in_range_float(option), st.sampled_from(edges or [0.0]))
    if kind == "bool":
        return st.booleans()
    return _either(text_for(kind, world), hostile_text(argv=False), hostile)


def _given(draw: st.DrawFn, option: Option, *, hostile: bool) -> bool:
    """Whether the user gives `option`. A required one: always when clean, else all but one
    time in 20. An optional one: half the time, or one time in three when clean (options that
    only go together, such as an alert kind's, then meet less often in conflict)."""
    if option.required:
        return not hostile or draw(st.integers(0, 19)) > 0
    if hostile:
        return draw(st.booleans())
    return draw(st.integers(0, 2)) == 0


@st.composite
def cli_argv(
    draw: st.DrawFn, spec: CommandSpec, world: World, hostile: bool | None = None
) -> list[str]:
    """The arguments after the global options of one invocation of `spec` at the terminal.

    Positionals come in order and stop at the first one left out (argv cannot skip one); a
    required one is sometimes left out (argparse's usage error). Named options are given or
    not, as `--name value` or `--name=value`. `hostile` None: clean or rough, drawn."""
    if hostile is None:
        hostile = draw(st.booleans(), label="hostile")
    argv = list(spec.path)
    for option in (o for o in spec.options if o.positional):
        if not _given(draw, option, hostile=hostile):
            break
        argv += draw(cli_tokens(option, world, hostile=hostile))
    for option in (o for o in spec.options if not o.positional):
        if not _given(draw, option, hostile=hostile):
            continue
        if option.type == "bool":
            argv.append(option.cli_name)
            continue
        tokens = draw(cli_tokens(option, world, hostile=hostile))
        if len(tokens) == 1 and draw(st.booleans()):
            argv.append(f"{option.cli_name}={tokens[0]}")
        else:
            argv += [option.cli_name, *tokens]
    return argv


@st.composite
def discord_options(draw: st.DrawFn, spec: CommandSpec, world: World) -> dict[str, Any]:
    """The options of one slash command interaction: every required one, others or not."""
    hostile = draw(st.booleans(), label="hostile")
    values: dict[str, Any] = {}
    for option in spec.discord_options:
        if option.required or _given(draw, option, hostile=hostile):  # Discord sends required ones
            values[option.name] = draw(discord_value(option, world, hostile=hostile))
    return values
