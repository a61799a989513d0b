"""Answer -> Embed: content, colours and Discord's limits."""

from __future__ import annotations

import datetime as dt

from analytics.answer import Answer, Field, Table
from bot import render

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def embed_total(embed) -> int:
    total = len(embed.title or "") + len(embed.description or "") + len(embed.footer.text or "")
    return total + sum(len(f.name) + len(f.value) for f in embed.fields)


def test_answer_becomes_an_embed_with_footer_colour_and_chart():
    answer = Answer(
        title="IWM beat SPY 10 sessions in a row",
        summary="Longest since 2008.",
        fields=(Field("Length", "10 sessions"),),
        chart_png=PNG,
        source="Yahoo Finance",
        as_of=dt.date(2026, 11, 23),
        tone=1,
    )
    rendered = render.render_answer(answer)
    embed = rendered.embed
    assert embed.title == "IWM beat SPY 10 sessions in a row"
    assert embed.description == "Longest since 2008."
    assert embed.colour == render.GREEN
    assert embed.footer.text == "Source: Yahoo Finance · as of 2026-11-23 · Not investment advice"
    assert [(f.name, f.value) for f in embed.fields] == [("Length", "10 sessions")]
    assert embed.image.url == "attachment://chart.png"
    assert [f.filename for f in rendered.files] == ["chart.png"]
    assert rendered.files[0].fp.read() == PNG


def test_warnings_lead_the_description_and_red_tone():
    answer = Answer(
        title="t",
        summary="s",
        warnings=("Yahoo is not answering; showing data as of 2026-11-20.",),
        tone=-1,
    )
    embed = render.render_answer(answer).embed
    assert embed.description == "⚠️ Yahoo is not answering; showing data as of 2026-11-20.\n\ns"
    assert embed.colour == render.RED


def test_long_texts_are_truncated_to_discord_limits():
    answer = Answer(
        title="T" * 300,
        summary="S" * 5000,
        fields=tuple(Field(f"name{i}" + "n" * 300, "v" * 2000) for i in range(40)),
        source="x" * 3000,
    )
    embed = render.render_answer(answer).embed
    assert len(embed.title) == 256 and embed.title.endswith("…")
    assert len(embed.description) == 4096
    assert len(embed.fields) <= 25
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)
    assert len(embed.footer.text) <= 2048
    assert embed_total(embed) <= 6000


def test_table_drops_rows_that_do_not_fit_and_says_how_many():
    rows = tuple((f"T{i:03d}", f"{i:.2f}%", "x" * 20) for i in range(100))
    block = render.table_block(Table(("ticker", "return", "note"), rows))
    assert len(block) <= 1024
    shown = block.count("\nT")
    assert block.endswith(f"… {100 - shown} more")
    assert "T000" in block and shown < 100


def test_oversized_chart_is_dropped_with_a_warning():
    answer = Answer(title="t", summary="s", chart_png=PNG)
    rendered = render.render_answer(answer, attachment_limit=10)
    assert rendered.files == []
    assert rendered.embed.image.url is None
    assert "too large" in rendered.embed.description


def test_a_long_table_continues_in_further_fields_instead_of_dropping_rows():
    rows = tuple(
        (f"T{i:02d}", f"+{i}.00%", "1,234.56", "1,345.67", "08-07→08-21") for i in range(25)
    )
    answer = Answer(
        title="t",
        summary="s",
        tables=(Table(("ticker", "return", "start", "end", "dates"), rows, "Top gainers"),),
    )
    embed = render.render_answer(answer).embed
    names = [f.name for f in embed.fields]
    assert names[0] == "Top gainers" and set(names[1:]) == {"\u200b"} and len(names) >= 2
    shown = "".join(f.value for f in embed.fields)
    assert all(f"T{i:02d}" in shown for i in range(25))
    assert "more" not in shown
    assert all(len(f.value) <= 1024 for f in embed.fields)
    assert embed_total(embed) <= 6000
