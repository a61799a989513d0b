"""analytics/charts/raster.py: the PNG writer decodes to the pixels drawn, and the text renderer
draws what savefig draws (glyphs placed within a pixel of matplotlib's own)."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from analytics.charts import raster
from analytics.charts.style import BACKGROUND, TEXT, encode_png, new_figure, stamp


def _decoded(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB")).astype(int)


def _savefig(fig: Figure) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor=fig.get_facecolor())
    return _decoded(buffer.getvalue())


def _chart() -> Figure:
    fig, ax = new_figure("AAA +50% led the gainers", subtitle="2026-04-22 to 2026-05-06")
    ax.barh([2, 1, 0], [0.5, 0.2, -0.3], color=["#2ecc71", "#2ecc71", "#e74c3c"])
    ax.set_yticks([2, 1, 0], ["AAA", "BBB", "CCC"])
    ax.set_ylabel("a rotated label", fontsize=13)
    ax.set_xlabel("Return ($r_t$, math text)")
    for y, v in zip([2, 1, 0], [0.5, 0.2, -0.3], strict=True):
        ax.text(v, y, f"{v:+.1%}", color=TEXT, va="center", ha="left" if v >= 0 else "right")
    return stamp(fig, source="Fake", as_of=None)


def test_png_bytes_decode_to_the_rgb_pixels() -> None:
    rgba = np.random.default_rng(1).integers(0, 256, (37, 53, 4), dtype=np.uint8)
    assert np.array_equal(_decoded(raster.png_bytes(rgba)), rgba[:, :, :3])


def test_a_chart_decodes_to_what_agg_drew() -> None:
    fig = _chart()
    rgba = raster.render_rgba(fig)
    assert rgba.shape == (675, 1200, 4)
    assert np.array_equal(_decoded(encode_png(fig)), rgba[:, :, :3].astype(int))


def test_text_is_drawn_where_and_as_savefig_draws_it() -> None:
    ours, theirs = _decoded(encode_png(_chart())), _savefig(_chart())
    assert ours.shape == theirs.shape
    differ = np.abs(ours - theirs).max(axis=2) > 48
    # Only antialiased glyph edges move (sub-pixel placement); no text is missing or moved.
    assert differ.mean() < 0.01
    text = np.abs(theirs - np.array([int(BACKGROUND[i : i + 2], 16) for i in (1, 3, 5)]))
    assert (np.abs(ours - theirs).sum() / max(text.sum(), 1)) < 0.2


def test_strings_are_laid_out_once_and_kept() -> None:
    raster.STRINGS.clear()
    encode_png(_chart())
    kept = len(raster.STRINGS)
    assert kept >= 10  # title, subtitle, stamp, tick labels, value labels
    encode_png(_chart())
    assert len(raster.STRINGS) == kept  # the same strings again: nothing new laid out
