"""Command specs: every command declared once, for the CLI and Discord alike.

A `CommandSpec` names a command, describes it, lists its options (type, default, help, choices,
range, autocomplete source) and points at two functions:

- `parse(values, ctx) -> request`: cheap validation of the raw option values (a dict keyed by
  option name, as the front end delivered them after its own typing), raising `BadInput` with what
  to type instead. It runs before any data is read and, on Discord, before the deferral.
- `answer(data, request, progress) -> Answer`: the work. Blocking (pandas, SQLite, matplotlib):
  the front ends call it in a worker thread. `data` is the one data facade (`MarketData`).

Both are given as "module:function" strings and imported on first use, so that declaring every
command (building `marketbot --help` or the slash-command tree) imports neither pandas nor the
analytics behind it. This module itself imports nothing heavy.

The front ends (bot/cli_specs.py, bot/discord_specs.py) generate the CLI subcommands and the
slash commands from the same specs: same names, defaults, help and limits. A command name with a
space ("alert add") is a Discord group with a subcommand and a CLI subcommand with its own.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

OptionType = Literal["str", "int", "float", "bool"]
"""How the front ends type an option's value: Discord's string/integer/number/boolean option."""

AUTOCOMPLETE_SOURCES = ("ticker", "tickers", "window", "series", "universe", "fund", "sections")
"""Names of the suggestion lists a Discord option may autocomplete from (bot/autocomplete.py)."""


class Progress(Protocol):
    """What an answer function reports while it works (thread-safe; a no-op when nobody listens).

    `progress(done, total)` counts items of the current phase (tickers fetched, names priced);
    `progress.phase(label)` starts a new phase ("Downloading IWM holdings").
    """

    def __call__(self, done: int, total: int) -> None: ...

    def phase(self, label: str) -> None: ...


class NoProgress:
    """A Progress that reports nowhere (scripts, tests, --json)."""

    def __call__(self, done: int, total: int) -> None:
        return None

    def phase(self, label: str) -> None:
        return None


def phased(progress: Any) -> Progress:
    """`progress` as a Progress: None is NoProgress, a plain (done, total) callable gains a
    no-op `phase` (the digest and scripts pass such callables)."""
    if progress is None:
        return NoProgress()
    if callable(getattr(progress, "phase", None)):
        return progress
    return _Counting(progress)


class _Counting:
    def __init__(self, count: Callable[[int, int], None]) -> None:
        self._count = count

    def __call__(self, done: int, total: int) -> None:
        self._count(done, total)

    def phase(self, label: str) -> None:
        return None


class Labelled:
    """Counts reported under `label`: the phase starts with the first count, so a warm answer
    (nothing to fetch, no count) shows no progress at all."""

    def __init__(self, progress: Progress, label: str) -> None:
        self._progress = progress
        self._label = label
        self._started = False

    def __call__(self, done: int, total: int) -> None:
        if not self._started:
            self._started = True
            self._progress.phase(self._label)
        self._progress(done, total)

    def phase(self, label: str) -> None:
        self._progress.phase(label)


@dataclass(frozen=True)
class Choice:
    """One allowed value of an option and how it is shown (Discord's choice name, CLI help)."""

    value: str | int | float
    label: str = ""

    @property
    def shown(self) -> str:
        return self.label or str(self.value)


@dataclass(frozen=True)
class Option:
    """One option of a command.

    name:      the Python/Discord name (`as_of`); the CLI spells it `--as-of`.
    help:      one line for `--help` and Discord's option description (at most 100 characters).
    type:      how the front end types the raw value before `parse` sees it.
    default:   the value `parse` gets when the user gives none (the same on both front ends).
    required:  the user must give it.
    choices:   the only values allowed (Discord shows a menu; argparse checks them).
    min, max:  the allowed range of an int/float (Discord enforces it; argparse checks it).
    autocomplete: a suggestion source from AUTOCOMPLETE_SOURCES (Discord only: typing still works).
    positional: on the CLI a positional argument instead of `--name`.
    many:      a list of values: several positionals on the CLI (`compare IWM SPY`), one
               space-separated string on Discord; `parse` gets one string either way.
    cli_only:  why the option exists on the CLI only (a local file path means nothing to a
               Discord user); empty for an option of both front ends. `parse` gets its
               default on Discord. tests/bot/test_command_parity.py lists every such option.
    A bool option is a flag on the CLI (`--name`) and a True/False option on Discord.
    """

    name: str
    help: str
    type: OptionType = "str"
    default: Any = None
    required: bool = False
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    autocomplete: str | None = None
    positional: bool = False
    many: bool = False
    cli_only: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"option name {self.name!r} is not an identifier")
        if len(self.help) > 100:
            raise ValueError(f"help of {self.name!r} is over Discord's 100 characters")
        if self.autocomplete is not None and self.autocomplete not in AUTOCOMPLETE_SOURCES:
            raise ValueError(f"unknown autocomplete source {self.autocomplete!r}")
        if self.choices and self.autocomplete:
            raise ValueError(f"{self.name!r}: Discord allows choices or autocomplete, not both")
        if self.required and self.default is not None:
            raise ValueError(f"{self.name!r}: a required option has no default")
        if self.cli_only and (self.required or self.positional):
            raise ValueError(f"{self.name!r}: a CLI-only option must be optional and named")

    @property
    def cli_name(self) -> str:
        return self.name if self.positional else "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Cooldown:
    """At most `rate` uses per `per` seconds per user (Discord only: the terminal is yours)."""

    rate: int
    per: float


@dataclass(frozen=True)
class CommandSpec:
    """A command, declared once. See the module docstring."""

    name: str
    description: str
    options: tuple[Option, ...]
    parse: str
    answer: str
    progress_label: str = "Working"
    cooldown: Cooldown | None = Cooldown(5, 30.0)
    epilog: str = ""
    json_view: str | None = None
    """Optional "module:function" turning the Answer into the --json payload (default: the
    Answer's own dump)."""

    def __post_init__(self) -> None:
        if len(self.description) > 100:
            raise ValueError(f"description of {self.name!r} is over Discord's 100 characters")
        names = [o.name for o in self.options]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name!r} has an option twice")

    @property
    def path(self) -> tuple[str, ...]:
        """('alert', 'add') for a grouped command, ('streak',) otherwise."""
        return tuple(self.name.split())

    @property
    def discord_options(self) -> tuple[Option, ...]:
        """The options of the slash command: every option but the CLI-only ones."""
        return tuple(o for o in self.options if not o.cli_only)

    def option(self, name: str) -> Option:
        return next(o for o in self.options if o.name == name)

    def defaults(self) -> dict[str, Any]:
        """Every option at its default: what `parse` gets when the user gives nothing."""
        return {o.name: o.default for o in self.options}

    def parse_values(self, values: Mapping[str, Any], ctx: ParseContext) -> Any:
        """`parse` on the defaults overlaid with what the user gave."""
        merged = self.defaults() | {k: v for k, v in values.items() if v is not None}
        return resolve(self.parse)(merged, ctx)

    def answer_function(self) -> Callable[..., Any]:
        return resolve(self.answer)


@dataclass(frozen=True)
class ParseContext:
    """What a cheap `parse` may know besides the values: the market's date and the lists folder."""

    today: dt.date
    lists_folder: Any = None  # a Path, or None when there is no cache folder (tests)
    offline: bool = False


@dataclass(frozen=True)
class FrontEndOnly:
    """Commands that exist on one front end only, and why; a test checks this list is complete."""

    discord: Mapping[str, str] = field(default_factory=dict)
    cli: Mapping[str, str] = field(default_factory=dict)


_RESOLVED: dict[str, Callable[..., Any]] = {}


def resolve(reference: str) -> Callable[..., Any]:
    """'package.module:function' -> the function (imported once)."""
    found = _RESOLVED.get(reference)
    if found is None:
        module, _, name = reference.partition(":")
        found = getattr(importlib.import_module(module), name)
        _RESOLVED[reference] = found
    return found
