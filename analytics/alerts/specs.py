"""The `alert` commands, declared once for the CLI and Discord: add, list, remove, pause, resume.

Light on purpose (no pandas at import). The options are the same on both front ends; who is
asking (a Discord user in a server, or the operator at the terminal) is not an option: the
cog (cogs/alerts.py) adds identity and permissions around the same functions the CLI's
answers call (analytics/alerts/commands.py). `marketbot alert check` is CLI-only
(bot/cli_commands/alerts.py).
"""

from __future__ import annotations

from analytics.spec import Choice, CommandSpec, Cooldown, Option

GROUP = (
    "alert",
    "Alerts after the US close: streaks, records, moves, levels, macro readings, breadth",
)

KIND_NAMES = ("streak", "record", "move", "level", "macro", "breadth")
WHAT = ("beat", "up", "down", "record-high", "record-close")
DIRECTIONS = ("up", "down", "either")

ADD = CommandSpec(
    name="alert add",
    description="Get a message when a condition becomes true after a US close (checked daily).",
    options=(
        Option(
            "kind",
            "What to watch: streak, record, move, level, macro, breadth",
            required=True,
            positional=True,
            choices=(
                Choice("streak", "streak: a run of N sessions (A beats B, up, down, records)"),
                Choice("record", "record: a new record high or close"),
                Choice("move", "move: a ticker moves at least X% over a window"),
                Choice("level", "level: a close crosses a price level"),
                Choice("macro", "macro: a FRED reading above/below X, or its highest in Y years"),
                Choice(
                    "breadth", "breadth: a universe's share above its 50-day average crosses X%"
                ),
            ),
        ),
        Option(
            "ticker",
            "The ticker (streak's A, record, move, level), e.g. IWM, ^RUT",
            positional=True,
            autocomplete="ticker",
        ),
        Option("versus", "Streak beat: the ticker A must beat, e.g. SPY", autocomplete="ticker"),
        Option(
            "what",
            "Streak: beat, up, down, record-high, record-close; record: record-high or record-close",
            choices=tuple(Choice(w) for w in WHAT),
        ),
        Option(
            "sessions",
            "Streak: at least this many sessions in a row, e.g. 10",
            type="int",
            min=1,
            max=1000,
        ),
        Option(
            "window",
            "Move: the window, e.g. 1d (the day, default), 5d, 1m, ytd",
            autocomplete="window",
        ),
        Option(
            "percent",
            "Move: at least this many percent, e.g. 5; breadth: the share above the 50-day, e.g. 70",
            type="float",
            min=0.01,
            max=1000,
        ),
        Option("level", "Level: the price level, e.g. 2642", type="float", min=0.0001),
        Option(
            "direction",
            "Move: up/down/either (default); level: up/down (default: its side); macro, breadth: up/down",
            choices=(
                Choice(
                    "up", "up: a rise, a close or share at or above, a reading above or highest"
                ),
                Choice("down", "down: a fall, a close or share below, a reading below or lowest"),
                Choice("either", "either way (move only)"),
            ),
        ),
        Option(
            "series",
            "Macro: a FRED series, e.g. gdpnow, unemployment, cpi, 10y, or any FRED id",
            autocomplete="series",
        ),
        Option(
            "value", "Macro: a new reading above (direction up) or below (down) this", type="float"
        ),
        Option(
            "years",
            "Macro: its highest (up) or lowest (down) in at least this many years",
            type="int",
            min=1,
            max=100,
        ),
        Option(
            "universe",
            "Breadth: a fund or named list, e.g. IWM",
            autocomplete="universe",
        ),
        Option("to", "Where: me (a DM, the default) or a channel, e.g. #markets"),
    ),
    parse="analytics.alerts.commands:parse_add",
    answer="analytics.alerts.commands:add_answer",
    progress_label="Checking the condition",
    cooldown=Cooldown(10, 60.0),
    epilog=(
        "An alert is checked after each NYSE close, on the data the evening refresh brought, "
        "and fires when its condition becomes true (true that session, not the one before); "
        "it fires again only after the condition stopped holding. On the command line, --to "
        "is <@USER_ID> (a DM) or GUILD_ID/CHANNEL_ID (or the channel's link)."
    ),
)

_ID = Option(
    "id", "The alert's number, from /alert list", type="int", required=True, positional=True, min=1
)

LIST = CommandSpec(
    name="alert list",
    description="Your alerts (server admins: also this server's): condition, state, last fired.",
    options=(),
    parse="analytics.alerts.commands:parse_list",
    answer="analytics.alerts.commands:list_answer",
    cooldown=Cooldown(5, 30.0),
)

REMOVE = CommandSpec(
    name="alert remove",
    description="Delete one of your alerts (server admins: also this server's channel alerts).",
    options=(_ID,),
    parse="analytics.alerts.commands:parse_id",
    answer="analytics.alerts.commands:remove_answer",
    cooldown=None,
)

PAUSE = CommandSpec(
    name="alert pause",
    description="Stop checking an alert until /alert resume.",
    options=(_ID,),
    parse="analytics.alerts.commands:parse_id",
    answer="analytics.alerts.commands:pause_answer",
    cooldown=None,
)

RESUME = CommandSpec(
    name="alert resume",
    description="Check a paused alert again (from the state it is in now).",
    options=(_ID,),
    parse="analytics.alerts.commands:parse_id",
    answer="analytics.alerts.commands:resume_answer",
    cooldown=None,
)

SPECS = (ADD, LIST, REMOVE, PAUSE, RESUME)
GROUPS = {GROUP[0]: GROUP[1]}
