"""CLI subcommands, one module per feature; each has `register(add)`."""

from bot.cli_commands import data, imports

MODULES = [data, imports]
