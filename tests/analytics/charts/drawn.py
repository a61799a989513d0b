"""Reading back what a chart drew (matplotlib artists), for tests that assert a chart's content."""

from __future__ import annotations

from matplotlib.colors import to_hex

from analytics.charts.style import HIGHLIGHT, ROW_LABELS_GID


def row_labels(ax) -> dict[int, str]:
    """The label of each row of a bar chart, by row (y): its tick labels, or the lines of the
    one text `analytics.charts.style.row_labels` draws (a line a row from the top one, which
    sits half a row under the text's anchor)."""
    ticks = ax.get_yticks()
    labels = {round(y): t.get_text() for y, t in zip(ticks, ax.get_yticklabels(), strict=True)}
    for text in ax.texts:
        if text.get_gid() == ROW_LABELS_GID:
            top = round(text.get_position()[1] - 0.5)
            lines = text.get_text().split("\n")
            labels.update({top - i: line for i, line in enumerate(lines) if line})
    return labels


def hbars(ax) -> list[tuple[str, float, str]]:
    """(row label, bar length, colour) of a horizontal bar chart, from the top down."""
    labels = row_labels(ax)
    drawn = [
        (p.get_y() + p.get_height() / 2, p.get_width(), to_hex(p.get_facecolor()))
        for p in ax.patches
    ]
    return [(labels[round(y)], w, c) for y, w, c in sorted(drawn, key=lambda b: -b[0])]


def badge_texts(fig) -> list[str]:
    """Texts drawn on a box in the highlight colour: the partial badge."""
    return [
        t.get_text()
        for t in fig.texts
        if t.get_bbox_patch() is not None
        and to_hex(t.get_bbox_patch().get_facecolor()) == HIGHLIGHT
    ]
