"""What `marketbot invite` prints, without discord.py (it costs half a second to import): the
bot's OAuth2 URL, the application id read from a token, and how to get a token."""

from __future__ import annotations

import base64

TOKEN_HELP = (
    "To run the bot you need a Discord bot token:\n"
    "  1. Create an application at https://discord.com/developers/applications\n"
    "  2. Bot -> Reset Token, and copy it\n"
    "  3. Put DISCORD_TOKEN=<the token> in .env (see .env.example) or the environment\n"
    "  4. Add the bot to a server with the URL from `marketbot invite`"
)

# Discord's permission bits (https://discord.com/developers/docs/topics/permissions); Read
# Message History lets the daily post check, before a resend, whether it had landed.
PERMISSION_BITS = {
    "view_channel": 1 << 10,
    "send_messages": 1 << 11,
    "embed_links": 1 << 14,
    "attach_files": 1 << 15,
    "read_message_history": 1 << 16,
}
BOT_PERMISSIONS = sum(PERMISSION_BITS.values())
SCOPES = ("bot", "applications.commands")


def application_id_from_token(token: str) -> int | None:
    """A bot token's first segment is the base64 of the bot's user id (= the application id)."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


def invite_url(application_id: int) -> str:
    """OAuth2 URL adding the bot with slash commands and only the permissions it needs (the URL
    discord.utils.oauth_url builds; tests/bot/test_invite.py compares the two)."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope={'+'.join(SCOPES)}&permissions={BOT_PERMISSIONS}"
    )
