"""Answer -> discord.Embed + chart file, within Discord's limits."""

from __future__ import annotations

import io
from dataclasses import dataclass

import discord

from analytics.answer import Answer, Table

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
FOOTER_SHOWN_MAX = 300
EMBED_TOTAL_MAX = 6000
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024
CHART_FILENAME = "chart.png"

GREEN = discord.Colour(0x2ECC71)
RED = discord.Colour(0xE74C3C)
NEUTRAL = discord.Colour(0x5DADE2)
DISCLAIMER = "Not investment advice"


@dataclass
class Rendered:
    embed: discord.Embed
    files: list[discord.File]

    def send_kwargs(self) -> dict:
        return {"embed": self.embed, "files": self.files} if self.files else {"embed": self.embed}


def truncate(text: str, limit: int) -> str:
    """Cut `text` to `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _widths(headings: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[int]:
    widths = [len(c) for c in headings]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    return widths


def _pack(
    headings: tuple[str, ...], rows: tuple, widths: list[int], limit: int, say_more: bool
) -> tuple[str, int]:
    """As many of `rows` as fit `limit` in one code block; with `say_more`, note what was left."""

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=False))
        ).rstrip()

    lines = [line(headings)]
    shown = 0
    for row in rows:
        candidate = lines + [line(row)]
        more = len(rows) - shown - 1
        tail = f"\n… {more} more" if more and say_more else ""
        if len("```\n" + "\n".join(candidate) + "\n```" + tail) > limit:
            break
        lines = candidate
        shown += 1
    text = "```\n" + "\n".join(lines) + "\n```"
    hidden = len(rows) - shown
    if hidden and say_more:
        text += f"\n… {hidden} more"
    return truncate(text, limit), shown


def table_block(table: Table, limit: int = FIELD_VALUE_MAX) -> str:
    """A monospaced table in one code block; drops trailing rows (saying how many) to fit `limit`."""
    rows = table.text_rows()
    return _pack(table.headings, rows, _widths(table.headings, rows), limit, say_more=True)[0]


def table_blocks(table: Table, limit: int = FIELD_VALUE_MAX, max_blocks: int = 3) -> list[str]:
    """The table split over up to `max_blocks` code blocks of at most `limit` characters each
    (a field value holds 1,024), the header repeated; rows beyond the last block are counted."""
    rest = table.text_rows()
    widths = _widths(table.headings, rest)
    blocks: list[str] = []
    while len(blocks) < max_blocks:
        last = len(blocks) == max_blocks - 1
        text, shown = _pack(table.headings, rest, widths, limit, say_more=last)
        blocks.append(text)
        rest = rest[shown:]
        if not rest or shown == 0:
            break
    return blocks


def render_answer(answer: Answer, *, attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT) -> Rendered:
    """One embed (title, summary, fields, tables, footer) plus the chart as attachment://chart.png."""
    colour = GREEN if answer.tone > 0 else RED if answer.tone < 0 else NEUTRAL
    warnings = list(answer.warnings)
    files: list[discord.File] = []
    chart = answer.png
    if chart is not None and len(chart) > attachment_limit:
        warnings.append("The chart was too large to attach.")
        chart = None

    description = answer.summary
    if warnings:
        description = "\n".join(f"⚠️ {w}" for w in warnings) + "\n\n" + description
    title = truncate(answer.title, TITLE_MAX)
    footer_parts = [
        f"Source: {answer.source}" if answer.source else "",
        f"as of {answer.as_of.isoformat()}" if answer.as_of else "",
        DISCLAIMER if answer.advice_disclaimer else "",
    ]
    # The footer is metadata: keep it short so the 6000-character total goes to the answer.
    footer = truncate(" · ".join(p for p in footer_parts if p), FOOTER_SHOWN_MAX)
    room = EMBED_TOTAL_MAX - len(title) - len(footer)
    embed = discord.Embed(
        title=title, description=truncate(description, min(DESCRIPTION_MAX, room)), colour=colour
    )
    if footer:
        embed.set_footer(text=footer)

    budget = EMBED_TOTAL_MAX - len(embed.title or "") - len(embed.description or "") - len(footer)
    slots = FIELDS_MAX
    items = [
        ((t.title or "Table") if i == 0 else "\u200b", block, False)
        for t in answer.tables
        for i, block in enumerate(table_blocks(t))
    ]
    items += [(f.name, f.value, f.inline) for f in answer.fields]
    for name, value, inline in items:
        name = truncate(name or "\u200b", FIELD_NAME_MAX)
        value = truncate(value or "\u200b", FIELD_VALUE_MAX)
        if slots == 0 or len(name) + len(value) > budget:
            break
        embed.add_field(name=name, value=value, inline=inline)
        budget -= len(name) + len(value)
        slots -= 1

    if chart is not None:
        files.append(discord.File(io.BytesIO(chart), filename=CHART_FILENAME))
        embed.set_image(url=f"attachment://{CHART_FILENAME}")
    return Rendered(embed=embed, files=files)
