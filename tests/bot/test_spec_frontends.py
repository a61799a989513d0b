"""The CLI and Discord front ends generated from one spec expose the same options."""

from __future__ import annotations

import argparse

import discord
import pytest
from discord import app_commands

from analytics.spec import Choice, CommandSpec, Option, ParseContext
from bot.cli_specs import add_spec_commands, cli_values
from bot.discord_specs import cog_from_specs
from tests.support import toy_specs as toy


async def _noop(interaction, current):
    return []


@pytest.fixture
def toy_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marketbot", exit_on_error=False)
    subparsers = parser.add_subparsers(dest="command", required=True)

    def add(name, help_text, handler):
        sub = subparsers.add_parser(name, help=help_text, exit_on_error=False)
        sub.set_defaults(handler=handler)
        return sub

    def add_group(name, help_text):
        group = subparsers.add_parser(name, help=help_text)
        inner = group.add_subparsers(dest=f"{name}_command", required=True)

        def add_leaf(leaf, leaf_help, handler):
            sub = inner.add_parser(leaf, help=leaf_help)
            sub.set_defaults(handler=handler)
            return sub

        return add_leaf

    add_spec_commands(add, add_group, toy.SPECS, toy.GROUPS)
    return parser


def _payload(cog_class) -> dict[str, dict]:
    """The slash commands as Discord receives them at sync, by name."""
    cog = cog_class(bot=None)
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    return {c.name: c.to_dict(tree) for c in cog.__cog_app_commands__}


def test_cli_values_reach_parse_with_the_spec_defaults(toy_parser):
    args = toy_parser.parse_args(["toy", "spy", "--tickers", "IWM", "QQQ"])
    values = cli_values(toy.TOY, args)
    request = toy.TOY.parse_values(values, ParseContext(today=None))
    assert request == toy.ToyRequest("SPY", "ytd", 5, "beat", "IWM QQQ", False, False)
    args = toy_parser.parse_args(["toy", "spy", "--top", "15", "--kind", "up", "--flag"])
    request = toy.TOY.parse_values(cli_values(toy.TOY, args), ParseContext(today=None))
    assert (request.top, request.kind, request.flag) == (15, "up", True)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["toy", "spy", "--top", "16"], "16 is above the maximum 15"),
        (["toy", "spy", "--top", "0"], "0 is below the minimum 1"),
        (["toy", "spy", "--top", "two"], "'two' is not a whole number"),
        (["toy", "spy", "--kind", "sideways"], "invalid choice: 'sideways'"),
    ],
)
def test_the_cli_enforces_ranges_and_choices_as_discord_does(toy_parser, argv, message):
    with pytest.raises(argparse.ArgumentError, match=message):
        toy_parser.parse_args(argv)


def test_discord_gets_the_same_options_defaults_choices_and_ranges():
    synced = _payload(
        cog_from_specs("Toy", [toy.TOY], autocompletes={"ticker": _noop, "window": _noop})
    )
    options = {o["name"]: o for o in synced["toy"]["options"]}
    assert synced["toy"]["description"] == toy.TOY.description
    assert list(options) == ["ticker", "window", "top", "kind", "tickers", "flag"]  # required first
    assert options["ticker"]["required"] is True and options["ticker"]["autocomplete"] is True
    assert options["window"]["autocomplete"] is True and options["window"]["required"] is False
    assert (options["top"]["type"], options["top"]["min_value"], options["top"]["max_value"]) == (
        4,  # integer
        1,
        15,
    )
    assert options["kind"]["choices"] == [
        {"name": "beat: A above B", "value": "beat"},
        {"name": "up: closes higher", "value": "up"},
    ]
    assert options["flag"]["type"] == 5  # boolean
    for option in toy.TOY.options:
        assert options[option.name]["description"] == option.help


def test_a_grouped_spec_is_a_discord_group_and_a_cli_subcommand(toy_parser):
    synced = _payload(cog_from_specs("Toys", [toy.TOY_ADD], groups=toy.GROUPS, autocompletes={}))
    group = synced["toys"]
    assert group["description"] == toy.GROUPS["toys"]
    [sub] = group["options"]
    assert (sub["name"], sub["type"]) == ("add", 1)  # a subcommand
    assert [o["name"] for o in sub["options"]] == ["ticker"]
    args = toy_parser.parse_args(["toys", "add", "abc"])
    assert cli_values(toy.TOY_ADD, args) == {"ticker": "abc"}


def test_a_spec_rejects_what_discord_would_refuse():
    with pytest.raises(ValueError, match="100 characters"):
        Option("x", "h" * 101)
    with pytest.raises(ValueError, match="choices or autocomplete"):
        Option("x", "h", choices=(Choice("a"),), autocomplete="ticker")
    with pytest.raises(ValueError, match="twice"):
        CommandSpec("c", "d", (Option("x", "h"), Option("x", "h")), parse="m:f", answer="m:f")


def test_an_unknown_autocomplete_source_fails_when_the_cog_is_built():
    with pytest.raises(ValueError, match="no autocomplete source 'ticker'"):
        cog_from_specs("Toy", [toy.TOY], autocompletes={})


def test_range_annotations_are_discord_ranges():
    cog = cog_from_specs("Toy", [toy.TOY], autocompletes={"ticker": _noop, "window": _noop})(None)
    [command] = cog.__cog_app_commands__
    assert isinstance(command, app_commands.Command)
    top = command._params["top"]
    assert (top.min_value, top.max_value, top.default) == (1, 15, 5)
