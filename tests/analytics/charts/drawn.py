"""Reading back what a chart drew (matplotlib artists), for tests that assert a chart's content."""

from __future__ import annotations

from matplotlib.colors import to_hex

from analytics.charts.style import HIGHLIGHT, ROW_LABELS_GID, ROW_VALUES_GID


def _rows_of(ax, gid: str) -> dict[int, str]:
    """The lines of the texts `analytics.charts.style.row_labels` drew with `gid`, by row (a
    line a row from the top one, which sits half a row under the text's anchor)."""
    out: dict[int, str] = {}
    for text in ax.texts:
        if text.get_gid() == gid:
            top = round(text.get_position()[1] - 0.5)
            lines = text.get_text().split("\n")
            out.update({top - i: line for i, line in enumerate(lines) if line})
    return out


def row_labels(ax) -> dict[int, str]:
    """The label of each row of a bar chart, by row (y): its tick labels, or the lines of the
    one text `row_labels` draws."""
    ticks = ax.get_yticks()
    labels = {round(y): t.get_text() for y, t in zip(ticks, ax.get_yticklabels(), strict=True)}
    return labels | _rows_of(ax, ROW_LABELS_GID)


def row_values(ax) -> dict[int, str]:
    """The value written beside each row's bar, by row (the columns of `row_labels(...,
    x=...)`)."""
    return _rows_of(ax, ROW_VALUES_GID)


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
