"""`marketbot run` with discord.py pointed at a fake Discord (bench/process.py launches it).

    python -m bench.bot_child API_BASE GATEWAY_URL

Imports nothing of its own beyond what the bot needs, so the parent times the bot's startup.
"""

import sys


def main(api_base: str, gateway_url: str) -> int:
    import discord
    import yarl

    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    from bot.cli import main as marketbot

    return marketbot(["run"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
