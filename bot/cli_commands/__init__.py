"""CLI subcommands, one module per feature; each has `register(add)`."""

from bot.cli_commands import botctl, data, imports

MODULES = [data, imports, botctl]
