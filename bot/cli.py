"""`marketbot`: the terminal twin of the bot. Same commands, same answers, `--json` for scripts.

Exit codes: 0 success; 2 bad input, missing data or a bad setting (one line on stderr);
1 an unexpected error (an apology and the traceback in the log).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from analytics.errors import MarketbotError
from analytics.spec import ParseContext
from bot.settings import Settings, SettingsError, configure_logging, load_settings

if TYPE_CHECKING:
    from analytics.answer import Answer

EXIT_OK, EXIT_BUG, EXIT_USER = 0, 1, 2


class CliContext:
    """Settings plus lazily opened services, and the output options of this invocation."""

    def __init__(self, settings: Settings, *, json_output: bool, chart_dir: Path | None) -> None:
        self.settings = settings
        self.json = json_output
        self.chart_dir = chart_dir
        self._services = None
        self._stack = None

    def services(self, *, network: bool = True):
        """Open the cache (and, unless `network` is False or offline, the provider) once."""
        if self._services is None:
            from contextlib import ExitStack

            from bot.services import open_services

            settings = self.settings if network else self.settings.with_overrides(offline=True)
            self._stack = ExitStack()
            self._services = self._stack.enter_context(open_services(settings))
        return self._services

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()

    def parse_context(self) -> ParseContext:
        """What a spec's cheap `parse` may know (no cache is opened for it)."""
        import datetime as dt

        from analytics.calendar import eastern_date
        from analytics.data.paths import lists_dir

        return ParseContext(
            today=eastern_date(dt.datetime.now(dt.UTC)),
            lists_folder=lists_dir(self.settings.db_path),
            offline=self.settings.offline,
        )

    def emit(
        self,
        answer: Answer,
        *,
        json_payload: object | None = None,
        json_view: str | None = None,
    ) -> None:
        """Print an Answer as JSON or as a terminal panel (saving its chart if asked).

        `json_view` ("module:function") turns the Answer into the JSON payload instead of its
        own dump."""
        from bot.terminal import print_json, render_answer

        if self.json:
            if json_payload is None and json_view is not None:
                from analytics.spec import resolve

                json_payload = resolve(json_view)(answer)
            print_json(answer.to_json() if json_payload is None else json_payload)
            return
        from rich.console import Console

        if answer.parts:
            from bot.terminal import render_heading

            render_heading(answer, Console())
            for part in answer.parts:
                self.emit(part)
            return
        chart_path = None
        if answer.has_chart and self.chart_dir is not None:
            chart_path = self._save_chart(answer)
        render_answer(answer, Console(), chart_path=chart_path)

    def _save_chart(self, answer: Answer) -> Path | None:
        """Write the chart PNG into --chart-dir; on failure warn on stderr and go on: the
        answer matters more than its picture."""
        assert self.chart_dir is not None
        slug = "".join(ch if ch.isalnum() else "-" for ch in answer.title.lower()).strip("-")[:60]
        chart_path = self.chart_dir / f"{slug or 'chart'}.png"
        try:
            self.chart_dir.mkdir(parents=True, exist_ok=True)
            chart_path.write_bytes(answer.png)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            print(
                f"marketbot: warning: the chart was not saved in {self.chart_dir} ({reason}); "
                "give --chart-dir a folder you can write to.",
                file=sys.stderr,
            )
            return None
        return chart_path


Handler = Callable[[argparse.Namespace, CliContext], int | None]


def add_common_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """--db, --offline, --json, --chart-dir: accepted before or after the subcommand."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--db",
        type=str,  # kept as typed: Path("") would read as "." (main checks it)
        default=default,
        help="SQLite cache file (default: $MARKETBOT_DB or ~/.local/share/marketbot/marketbot.db)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=default,
        help="never touch the network; answer from the cache only",
    )
    parser.add_argument(
        "--json", action="store_true", default=default, help="print the answer as JSON"
    )
    parser.add_argument(
        "--chart-dir",
        type=Path,
        default=default,
        help="save the answer's chart as PNG in this folder",
    )


def one_line(message: str) -> str:
    """`message` as one printable line: what a user typed and a message quotes (a newline, a
    terminal escape sequence, a zero-width or right-to-left mark) is shown escaped, so it can
    neither break the line nor drive the terminal."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in message
    )


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (exit 2), naming the command's --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER, one_line(f"{self.prog}: {message} (see `{self.prog} --help`)") + "\n")


_VALUE_OPTIONS = ("--db", "--chart-dir")  # the common options that take a value


def command_word(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names (its first word that is not an option or an option's value),
    or None when it names none (`marketbot --help`, `marketbot`)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--":
            return None
        elif token.startswith("-"):
            # `--db PATH`, and the abbreviations argparse accepts (`--chart DIR`); `--db=PATH`
            # carries its value
            skip = "=" not in token and any(
                len(token) > 2 and name.startswith(token) for name in _VALUE_OPTIONS
            )
        else:
            return token
    return None


class _Unbuilt:
    """Stands in for the parser of a subcommand this invocation does not run: takes every
    call a `register` makes (add_argument, add_subparsers, set_defaults...) and does nothing."""

    def __getattr__(self, name: str) -> _Unbuilt:
        return self

    def __call__(self, *args: object, **kwargs: object) -> _Unbuilt:
        return self


def build_parser(only: str | None = "") -> argparse.ArgumentParser:
    """The whole CLI. `only` (a subcommand's name, or None for none) builds the options of that
    subcommand alone, the others being names and one-line help (what `marketbot --help` lists):
    parsing one command need not build 30 option lists. The default builds every one."""
    from analytics.commands import GROUPS, all_specs
    from bot import cli_commands
    from bot.cli_specs import add_spec_commands

    def wanted(name: str) -> bool:
        return only == "" or name == only

    parser = OneLineParser(
        prog="marketbot",
        description="Market answers with charts: streaks, movers, contributors, macro. "
        "The same commands run as Discord slash commands (marketbot run).",
    )
    add_common_options(parser, top_level=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        if not wanted(name):
            subparsers.add_parser(name, help=help_text.replace("%", "%%"), add_help=False)
            return _Unbuilt()  # type: ignore[return-value]
        sub = subparsers.add_parser(name, help=help_text.replace("%", "%%"), description=help_text)
        add_common_options(sub, top_level=False)
        sub.set_defaults(handler=handler)
        return sub

    groups: dict[str, Callable[..., argparse.ArgumentParser]] = {}

    def add_group(name: str, help_text: str):
        if name in groups:
            return groups[name]
        if not wanted(name):
            subparsers.add_parser(name, help=help_text.replace("%", "%%"), add_help=False)
            groups[name] = lambda *args, **kwargs: _Unbuilt()
            return groups[name]
        group = subparsers.add_parser(
            name, help=help_text.replace("%", "%%"), description=help_text
        )
        inner = group.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)

        def add_to_group(leaf: str, leaf_help: str, handler: Handler) -> argparse.ArgumentParser:
            sub = inner.add_parser(leaf, help=leaf_help.replace("%", "%%"), description=leaf_help)
            add_common_options(sub, top_level=False)
            sub.set_defaults(handler=handler)
            return sub

        groups[name] = add_to_group
        return add_to_group

    add_spec_commands(add, add_group, all_specs(), dict(GROUPS))
    for module in cli_commands.modules():
        # A module with GROUP adds its subcommands to that spec group ("alert check").
        group = getattr(module, "GROUP", None)
        module.register(add_group(group, dict(GROUPS)[group]) if group else add)
    return parser


def _is_sqlite_error(exc: BaseException) -> bool:
    """sqlite3.Error, without importing sqlite3 for a command that never opened the cache."""
    sqlite3 = sys.modules.get("sqlite3")
    return sqlite3 is not None and isinstance(exc, sqlite3.Error)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `marketbot` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=command_word(argv))
    args = parser.parse_args(argv)
    if args.db is not None and not args.db.strip():
        print(
            "marketbot: --db is empty: give the cache file's path, e.g. --db ~/marketbot.db.",
            file=sys.stderr,
        )
        return EXIT_USER
    try:
        settings = load_settings()
        configure_logging(settings.log_level if args.command == "run" else "WARNING")
        db_path = Path(args.db).expanduser() if args.db is not None else None
        settings = settings.with_overrides(db_path=db_path, offline=True if args.offline else None)
    except SettingsError as exc:
        print(one_line(f"marketbot: {exc}"), file=sys.stderr)
        return EXIT_USER
    ctx = CliContext(settings, json_output=bool(args.json), chart_dir=args.chart_dir)
    try:
        code = args.handler(args, ctx)
        return EXIT_OK if code is None else code
    except (MarketbotError, SettingsError) as exc:
        message = exc.message if isinstance(exc, MarketbotError) else str(exc)
        print(one_line(f"marketbot: {message}"), file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("marketbot: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        import logging  # not at import: `marketbot --help` stays light

        log = logging.getLogger("marketbot")
        if _is_sqlite_error(exc):
            # The cache failed under the command (damaged pages, locked, disk full, read-only):
            # its transaction rolled back; say which file and what to do.
            from analytics.data.cache_file import explain_sqlite_error

            log.debug("SQLite error in %s", args.command, exc_info=True)
            print(
                one_line(f"marketbot: {explain_sqlite_error(settings.db_path, exc)}"),
                file=sys.stderr,
            )
            return EXIT_USER
        log.exception("unexpected error in %s", args.command)
        print(
            "marketbot: sorry, something went wrong on our side (details above).", file=sys.stderr
        )
        return EXIT_BUG
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
