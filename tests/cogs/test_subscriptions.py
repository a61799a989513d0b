"""What the daily post carries so a resend can find it: the claim's marker at the end of the
last embed's footer (or of the content), within Discord's limits; and the invite asks for
Read Message History, which that search needs."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

from analytics.answer import Answer, Field
from analytics.subscriptions.digest import Digest, SectionResult
from bot.invite import invite_url
from cogs.subscriptions import carries, render_digest

DAY = dt.date(2024, 7, 2)
MARKER = "post 00deadbeef"


def answer(title: str, summary: str = "s") -> Answer:
    return Answer(title=title, summary=summary, source="Fake", as_of=DAY)


def test_the_marker_ends_the_last_embeds_footer_only():
    digest = Digest(
        DAY, False, (SectionResult("streak", answer("A")), SectionResult("returns", answer("B")))
    )
    sent = render_digest(digest, marker=MARKER)
    footers = [e.footer.text for e in sent["embeds"]]
    assert footers[0].startswith("Source: Fake · as of 2024-07-02")
    assert MARKER not in footers[0]
    assert footers[1] == footers[0] + f" · {MARKER}"
    assert render_digest(digest)["embeds"][1].footer.text == footers[0]  # no marker: unchanged


def test_a_full_post_stays_within_6000_characters_with_the_marker():
    long = "x" * 4000
    big = Answer(
        title="T" * 200,
        summary=long,
        fields=tuple(Field(f"f{i}", "v" * 900) for i in range(10)),
        source="Fake",
        as_of=DAY,
    )
    digest = Digest(
        DAY, False, tuple(SectionResult(n, big) for n in ("streak", "returns", "macro"))
    )
    embeds = render_digest(digest, marker=MARKER)["embeds"]
    assert sum(len(e) for e in embeds) <= 6000  # discord.py's len(): Discord's own count
    assert embeds[-1].footer.text.endswith(f" · {MARKER}")


def test_with_no_embed_the_content_carries_it():
    digest = Digest(DAY, False, (SectionResult("macro", notice="FRED is down"),))
    sent = render_digest(digest, marker=MARKER)
    assert sent["embeds"] == []
    assert sent["content"].endswith(f"\n-# {MARKER}")
    assert len(sent["content"]) <= 2000


def test_carries_matches_the_marker_at_the_end_only():
    def message(content: str, *footers: str):
        embeds = [SimpleNamespace(footer=SimpleNamespace(text=f)) for f in footers]
        return SimpleNamespace(content=content, embeds=embeds)

    assert carries(message("x", "Source: Fake", f"Source: Fake · {MARKER}"), MARKER)
    assert carries(message(f"headline\n-# {MARKER}"), MARKER)
    assert not carries(message("x", f"Source: Fake · {MARKER}0"), MARKER)  # another claim's
    assert not carries(message("x", "Source: Fake"), MARKER)


def test_the_invite_asks_for_read_message_history_too():
    url = invite_url(1_100_000_000_000_000_001)
    permissions = int(parse_qs(urlparse(url).query)["permissions"][0])
    # View Channel 1<<10, Send Messages 1<<11, Embed Links 1<<14, Attach Files 1<<15,
    # Read Message History 1<<16 (Discord's documented bits).
    assert permissions == (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)
