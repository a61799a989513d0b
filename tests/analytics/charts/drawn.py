"""Reading back what a chart drew (matplotlib artists), for tests that assert a chart's content."""

from __future__ import annotations

from matplotlib.colors import to_hex

from analytics.charts.style import BARS_GID, HIGHLIGHT, ROW_LABELS_GID, ROW_VALUES_GID


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


def _bars_drawn(ax) -> list[tuple[float, float, str]]:
    """(centre y, signed length from x = 0, colour) of each bar: the axes' Rectangle patches
    and the polygons of the collections `analytics.charts.style.hbars` drew (each a rectangle
    from x = 0: its corners (0, y0), (length, y0), (length, y1), (0, y1))."""
    drawn = [
        (p.get_y() + p.get_height() / 2, p.get_width(), to_hex(p.get_facecolor()))
        for p in ax.patches
    ]
    for collection in ax.collections:
        if collection.get_gid() != BARS_GID:
            continue
        colours = collection.get_facecolor()
        paths = collection.get_paths()
        assert len(colours) == len(paths)  # a colour of its own for every bar
        for path, colour in zip(paths, colours, strict=True):
            corners = path.vertices[:4]
            assert corners[0][0] == corners[3][0] == 0  # every bar starts at 0
            assert corners[1][0] == corners[2][0]
            assert corners[0][1] == corners[1][1] and corners[2][1] == corners[3][1]
            drawn.append(((corners[0][1] + corners[2][1]) / 2, corners[1][0], to_hex(colour)))
    return drawn


def hbars(ax) -> list[tuple[str, float, str]]:
    """(row label, bar length, colour) of a horizontal bar chart, from the top down: its bars
    as patches or as one `analytics.charts.style.hbars` collection."""
    labels = row_labels(ax)
    drawn = _bars_drawn(ax)
    return [(labels[round(y)], w, c) for y, w, c in sorted(drawn, key=lambda b: -b[0])]


def bar_count(ax) -> int:
    """How many bars the axes draw (patches or `analytics.charts.style.hbars` polygons)."""
    return len(_bars_drawn(ax))


def badge_texts(fig) -> list[str]:
    """Texts drawn on a box in the highlight colour: the partial badge."""
    return [
        t.get_text()
        for t in fig.texts
        if t.get_bbox_patch() is not None
        and to_hex(t.get_bbox_patch().get_facecolor()) == HIGHLIGHT
    ]
