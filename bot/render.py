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


def table_block(table: Table, limit: int = FIELD_VALUE_MAX) -> str:
    """A monospaced table in a code block; drops trailing rows (saying how many) to fit `limit`."""
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=False))
        ).rstrip()

    lines = [line(table.columns)]
    shown = 0
    for row in table.rows:
        candidate = lines + [line(row)]
        more = len(table.rows) - shown - 1
        tail = f"\n… {more} more" if more else ""
        if len("```\n" + "\n".join(candidate) + "\n```" + tail) > limit:
            break
        lines = candidate
        shown += 1
    text = "```\n" + "\n".join(lines) + "\n```"
    hidden = len(table.rows) - shown
    if hidden:
        text += f"\n… {hidden} more"
    return truncate(text, limit)


def render_answer(answer: Answer, *, attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT) -> Rendered:
    """One embed (title, summary, fields, tables, footer) plus the chart as attachment://chart.png."""
    colour = GREEN if answer.tone > 0 else RED if answer.tone < 0 else NEUTRAL
    warnings = list(answer.warnings)
    files: list[discord.File] = []
    chart = answer.chart_png
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
    items = [(t.title or "Table", table_block(t), False) for t in answer.tables]
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
