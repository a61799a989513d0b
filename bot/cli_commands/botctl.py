"""`marketbot run` and `marketbot invite`."""

from __future__ import annotations

import argparse
import sys

from analytics.errors import BadInput


def register(add) -> None:
    add("run", "Start the Discord bot (needs DISCORD_TOKEN in the environment or .env).", _run)
    invite = add("invite", "Print the URL that adds the bot to a server.", _invite)
    invite.add_argument(
        "--client-id", type=int, help="the application id (default: read from DISCORD_TOKEN)"
    )


def _run(args: argparse.Namespace, ctx) -> int:
    import asyncio

    from bot.runner import run_bot

    return asyncio.run(run_bot(ctx.settings))


def _invite(args: argparse.Namespace, ctx) -> None:
    from bot.invite import TOKEN_HELP, application_id_from_token, invite_url

    app_id = args.client_id
    if app_id is None and ctx.settings.discord_token:
        app_id = application_id_from_token(ctx.settings.discord_token)
    if app_id is None:
        raise BadInput(
            "No application id: pass --client-id (Developer Portal -> General Information -> "
            "Application ID) or set DISCORD_TOKEN.\n" + TOKEN_HELP
        )
    url = invite_url(app_id)
    if ctx.json:
        from bot.terminal import print_json

        print_json({"url": url, "application_id": app_id})
    else:
        sys.stdout.write(url + "\n")
