"""Both front ends expose the same commands, with the same options, defaults, choices and limits.

The CLI's subcommands and the slash commands are generated from one spec per command
(analytics/commands). This test builds the real `marketbot` parser and the real bot's command tree
(every cog loaded, nothing connected) and compares them with the specs and with each other.
Options that exist on the CLI only (`Option.cli_only`, a local file path) are listed here too.
"""

from __future__ import annotations

import argparse

import pytest

from analytics.commands import FRONT_END_ONLY, all_specs
from analytics.spec import CommandSpec
from bot.cli import build_parser

CLI_ONLY_OPTIONS: set[tuple[str, str]] = {
    ("movers", "tickers_file"),
    ("breadth", "tickers_file"),
}
"""(command, option) of every option on the CLI only: a new one must be added here on purpose."""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _cli_commands() -> dict[str, argparse.ArgumentParser]:
    """'streak' -> its parser; the subcommands of spec groups as 'alert add'."""
    groups = {s.path[0] for s in all_specs() if len(s.path) > 1}
    found: dict[str, argparse.ArgumentParser] = {}
    for name, sub in _subparsers(build_parser()).items():
        inner = _subparsers(sub) if name in groups else {}
        if inner:
            found |= {f"{name} {leaf}": p for leaf, p in inner.items()}
        found[name] = sub
    return found


@pytest.fixture
async def discord_commands(tmp_path) -> dict[str, dict]:
    """The payload the bot syncs, by command path ('alert add' for a group's subcommand)."""
    from bot.app import MarketBot
    from bot.services import open_services
    from bot.settings import Settings

    with open_services(Settings(db_path=tmp_path / "parity.db", offline=True)) as services:
        bot = MarketBot(services=services, http_session=None)
        for name in bot.cog_names:
            await bot.load_extension(name)
        found: dict[str, dict] = {}
        for command in bot.tree.get_commands():
            payload = command.to_dict(bot.tree)
            found[payload["name"]] = payload
            for option in payload.get("options", []):
                if option["type"] == 1:  # a subcommand of a group
                    found[f"{payload['name']} {option['name']}"] = option
        await bot.close()
        return found


def _cli_option(parser: argparse.ArgumentParser, dest: str) -> argparse.Action:
    [action] = [a for a in parser._actions if a.dest == dest]
    return action


def test_every_command_is_a_spec_or_listed_as_one_front_end_only(discord_commands):
    specs = {s.name for s in all_specs()}
    groups = {s.path[0] for s in all_specs() if len(s.path) > 1}
    cli = set(_cli_commands()) - groups
    on_discord = {n for n in discord_commands if n not in groups}
    assert on_discord - specs - set(FRONT_END_ONLY.discord) == set()
    assert cli - specs - set(FRONT_END_ONLY.cli) == set()
    assert specs <= on_discord and specs <= cli
    assert set(FRONT_END_ONLY.discord) <= on_discord, (
        "a Discord-only command is gone: update the list"
    )
    assert set(FRONT_END_ONLY.cli) <= cli, "a CLI-only command is gone: update the list"
    assert not set(FRONT_END_ONLY.discord) & cli and not set(FRONT_END_ONLY.cli) & on_discord


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.name)
def test_both_front_ends_expose_the_spec_options_exactly(spec: CommandSpec, discord_commands):
    synced = {o["name"]: o for o in discord_commands[spec.name].get("options", [])}
    parser = _cli_commands()[spec.name]
    cli_dests = {
        a.dest
        for a in parser._actions
        if a.dest not in ("help", "db", "offline", "json", "chart_dir", "handler")
    }
    assert cli_dests == {o.name for o in spec.options}
    assert set(synced) == {o.name for o in spec.options if not o.cli_only}
    assert discord_commands[spec.name]["description"] == spec.description
    for option in spec.discord_options:
        slash, flag = synced[option.name], _cli_option(parser, option.name)
        assert slash["description"] == option.help
        assert slash["required"] == option.required
        if option.positional:
            assert not flag.option_strings
        else:
            assert flag.option_strings == [option.cli_name]
        # Neither front end fills a default itself: `parse` gets the spec's default on both.
        assert flag.default is None
        assert slash.get("min_value") == option.min and slash.get("max_value") == option.max
        values = [c.value for c in option.choices]
        assert [c["value"] for c in slash.get("choices", [])] == values
        assert (flag.choices or []) == ([] if option.type == "bool" else values)
        assert bool(slash.get("autocomplete")) == (option.autocomplete is not None)


def test_the_cli_only_options_are_the_listed_ones_each_with_its_reason():
    found = {(s.name, o.name): o.cli_only for s in all_specs() for o in s.options if o.cli_only}
    assert set(found) == CLI_ONLY_OPTIONS
    assert all(len(why) > 10 for why in found.values())
    for spec in all_specs():
        names = {o.name for o in spec.discord_options}
        assert not {o for c, o in CLI_ONLY_OPTIONS if c == spec.name} & names
