"""Properties of every slash command on the fake Discord, whatever the options.

For each spec (analytics.commands.all_specs()), hypothesis draws options the Discord client
could send (tests/properties/strategies.py: types, choices and ranges as declared, any string
up to 6,000 characters) and one running MarketBot (tests/properties/bot_thread.py, one per
module) answers each interaction. Whatever the input:

- the reply is an answer (deferred, then a public embed) or an ephemeral message (or a
  private answer: an ephemeral embed, as /alert list gives);
- it is never the apology for an unexpected error ("😵"), and nothing is logged at ERROR;
- while an option is typed, its suggestions are what Discord accepts (at most 25, each name and
  value 1-100 characters), and a ticker's start with what was typed (LIKE's % and _ are
  literal);
- when the module ends, the harness's checks pass (session closed, no task or thread left,
  nothing asked of the fake that it does not serve, no ERROR log).

Each interaction comes from a new user (the commands' cooldowns are per user), except that a
command taking an alert's id is run by the owner of the planted alerts half the time, so that
remove, pause and resume find something to act on (in the long profile that owner hits the
cooldown, whose ephemeral reply is an answer too).
"""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from analytics import calendar
from analytics.commands import all_specs
from tests.properties import strategies as gen
from tests.properties.bot_thread import BotThread
from tests.properties.conftest import examples
from tests.properties.world import (
    FRED_SERIES,
    LIST_NAME,
    TICKERS,
    USER_ID,
    build_world,
)

NOW = pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
APOLOGY = "😵"
SPECS = all_specs()
_users = itertools.count(1_200_000_000_000_000_000)


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("discord-world")
    world = build_world(folder, calendar.last_completed_session(NOW), NOW)
    running = BotThread(world, NOW).start()
    try:
        yield running
    finally:
        running.stop()


def strategies_world(bot: BotThread) -> gen.World:
    world = bot.world
    return gen.World(
        tickers=TICKERS,
        first=world.first,
        last=world.last,
        today=NOW.date(),
        lists=(LIST_NAME,),
        series=FRED_SERIES,
    )


def check_reply(name: str, options: dict, reply) -> None:
    shown = f"/{name} {options!r}"
    assert reply.response_type in (4, 5), f"{shown}: callback type {reply.response_type}"
    everything = (reply.content or "") + json.dumps(reply.embeds, ensure_ascii=False)
    assert APOLOGY not in everything, f"{shown}: the apology\n{everything[:1500]}"
    if reply.ephemeral:  # a message, or a private answer (/alert list shows your alerts)
        assert (reply.content or "").strip() or reply.embeds, f"{shown}: an empty reply"
    else:  # deferred then answered, or (asked before on the same data) answered at once
        assert reply.embeds, f"{shown}: a public reply that is not an answer: {reply.content!r}"


@pytest.mark.parametrize("spec", SPECS, ids=[s.name.replace(" ", "-") for s in SPECS])
@settings(max_examples=examples("discord"))
@given(data=st.data())
def test_any_options_end_in_an_answer_or_an_ephemeral_message(spec, data, bot) -> None:
    options = data.draw(gen.discord_options(spec, strategies_world(bot)), label="options")
    takes_id = any(o.name == "id" for o in spec.options)
    owner = takes_id and data.draw(st.booleans(), label="owner")
    user = USER_ID if owner else next(_users)
    errors_before = bot.error_count()
    reply = bot.invoke(spec.name, options, user_id=user)
    check_reply(spec.name, options, reply)
    if reply.ephemeral:
        event("ephemeral: " + (reply.content or "embed")[:2])
    else:
        event("answer with a chart" if "chart.png" in reply.files else "answer")
    new = bot.harness.log_records[errors_before:]
    assert not new, f"/{spec.name} {options!r} logged at ERROR: " + "; ".join(
        r.getMessage() for r in new
    )


AUTOCOMPLETED = [
    (spec, option) for spec in SPECS for option in spec.discord_options if option.autocomplete
]


@pytest.mark.parametrize(
    ("spec", "option"),
    AUTOCOMPLETED,
    ids=[f"{s.name.replace(' ', '-')}-{o.name}" for s, o in AUTOCOMPLETED],
)
@settings(max_examples=examples("discord"))
@given(data=st.data())
def test_suggestions_while_typing_are_what_discord_accepts(spec, option, data, bot) -> None:
    world = strategies_world(bot)
    # what is typed so far: the start of a valid value, or anything
    started = st.tuples(gen.text_for(gen.kind_of(option), world), st.integers(0, 8))
    typed = data.draw(
        st.one_of(started.map(lambda pair: pair[0][: pair[1]]), gen.hostile_text(argv=False)),
        label="typed",
    )
    errors_before = bot.error_count()
    choices = bot.autocomplete(spec.name, option.name, typed, user_id=next(_users))
    shown = f"/{spec.name} {option.name}={typed!r}"
    assert len(choices) <= 25, f"{shown}: {len(choices)} choices"
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100, f"{shown}: choice name {choice['name']!r}"
        value = str(choice["value"])
        assert 1 <= len(value) <= 100, f"{shown}: choice value {value!r}"
    if option.autocomplete == "ticker":
        prefix = typed.strip().upper()
        assert all(str(c["value"]).startswith(prefix) for c in choices), f"{shown}: {choices}"
    new = bot.harness.log_records[errors_before:]
    assert not new, f"{shown} logged at ERROR: " + "; ".join(r.getMessage() for r in new)
