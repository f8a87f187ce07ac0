"""The reports' charts as PNG images, drawn with matplotlib (Agg, no display) in a font that has Chinese characters.

WenQuanYi Micro Hei (fonts-wqy-microhei) is used where installed, else any CJK font matplotlib finds, else its
default font (Chinese labels then show as boxes, but the numbers and the report still come out).
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
CJK_FONT_NAMES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei")
RED, GREY, BLUE = "#b71c1c", "#9e9e9e", "#1565c0"
DPI = 150


@lru_cache(maxsize=1)
def font_family() -> list[str]:
    """The font families to draw with, a CJK one first when there is one."""
    for file in CJK_FONT_FILES:
        if Path(file).exists():
            try:
                font_manager.fontManager.addfont(file)
                return [font_manager.FontProperties(fname=file).get_name(), "DejaVu Sans"]
            except (OSError, RuntimeError):
                continue
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONT_NAMES if name in installed] + ["DejaVu Sans"]


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def _rc():
    return matplotlib.rc_context({"font.family": font_family(), "axes.unicode_minus": False})


def bar_chart(labels: list[str], values: list[float | None], *, title: str = "", highlight: int | None = None) -> bytes:
    """Horizontal bars, best at the top; a missing value has no bar."""
    with _rc():
        fig = _figure(6.0, max(1.6, 0.35 * len(labels) + 0.8))
        ax = fig.add_subplot()
        ys = list(range(len(labels)))
        colours = [RED if highlight is None or i == highlight else GREY for i in ys]
        ax.barh(ys, [v or 0 for v in values], color=colours, height=0.6)
        for y, v in zip(ys, values, strict=True):
            ax.text((v or 0) + 1, y, "—" if v is None else f"{v:.2f}", va="center", fontsize=7)
        ax.set_yticks(ys, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 110)
        if title:
            ax.set_title(title, fontsize=10)
        _style(ax)
        return _png(fig)


def radar_chart(
    labels: list[str],
    values: list[float | None],
    *,
    peer: list[float | None] | None = None,
    names: tuple[str, str] = ("", ""),
) -> bytes:
    """A unit's layers (0–100) on a radar, with the peers' mean dashed when given."""
    import math

    with _rc():
        fig = _figure(4.2, 4.2)
        ax = fig.add_subplot(projection="polar")
        angles = [2 * math.pi * i / len(labels) for i in range(len(labels))]
        closed = [*angles, angles[0]]
        for series, colour, style, name in ((values, RED, "-", names[0]), (peer, GREY, "--", names[1])):
            if not series or all(v is None for v in series):
                continue
            points = [v or 0 for v in series]
            ax.plot(closed, [*points, points[0]], style, color=colour, linewidth=1.5, label=name or None)
            if colour == RED:
                ax.fill(closed, [*points, points[0]], color=colour, alpha=0.15)
        ax.set_xticks(angles, labels, fontsize=8)
        ax.set_ylim(0, 100)
        ax.tick_params(axis="y", labelsize=6)
        if any(names):
            ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.1), fontsize=7, frameon=False)
        return _png(fig)


def trend_chart(years: list[int], series: list[tuple[str, list[float | None]]]) -> bytes:
    """Lines over the years; the first series (the total) drawn thicker; a missing year breaks the line."""
    with _rc():
        fig = _figure(6.0, 3.0)
        ax = fig.add_subplot()
        colours = [RED, "#2e7d32", BLUE, "#ef6c00", "#6d4c41"]
        for i, (name, values) in enumerate(series):
            ys = [float("nan") if v is None else v for v in values]
            ax.plot(
                [str(y) for y in years],
                ys,
                marker="o",
                linewidth=2.5 if i == 0 else 1.2,
                color=colours[i % len(colours)],
                label=name,
                markersize=4,
            )
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7, frameon=False, ncol=min(len(series), 5), loc="upper center", bbox_to_anchor=(0.5, -0.12))
        _style(ax)
        return _png(fig)


def forest_chart(rows: list[dict], *, key: str = "name", value: str = "coef", title: str = "") -> bytes:
    """Estimates with their intervals as error bars, a dashed line at zero."""
    with _rc():
        fig = _figure(6.0, max(1.6, 0.4 * len(rows) + 0.8))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))
        for y, row in zip(ys, rows, strict=True):
            if row.get("ci_low") is not None and row.get("ci_high") is not None:
                ax.plot([row["ci_low"], row["ci_high"]], [y, y], color="#424242", linewidth=1.4)
                ax.plot([row["ci_low"]] * 2, [y - 0.15, y + 0.15], color="#424242", linewidth=1.4)
                ax.plot([row["ci_high"]] * 2, [y - 0.15, y + 0.15], color="#424242", linewidth=1.4)
            if row.get(value) is not None:
                ax.plot([row[value]], [y], "o", color=RED, markersize=6)
        ax.axvline(0, color=GREY, linestyle="--", linewidth=1)
        ax.set_yticks(ys, [str(r.get(key, "")) for r in rows])
        ax.invert_yaxis()
        if title:
            ax.set_title(title, fontsize=10)
        _style(ax)
        return _png(fig)


def event_chart(events: list[dict], *, xlabel: str = "") -> bytes:
    """An event study: the effect at each period from the start with its interval, zero dashed."""
    with _rc():
        fig = _figure(6.0, 3.0)
        ax = fig.add_subplot()
        xs = [e["e"] for e in events]
        for e in events:
            if e.get("ci_low") is not None and e.get("ci_high") is not None:
                ax.plot([e["e"], e["e"]], [e["ci_low"], e["ci_high"]], color="#424242", linewidth=1.4)
        ax.plot(xs, [float("nan") if e.get("att") is None else e["att"] for e in events], "o-", color=RED, markersize=5)
        ax.axhline(0, color=GREY, linestyle="--", linewidth=1)
        ax.axvline(-0.5, color=GREY, linestyle=":", linewidth=1)
        if xlabel:
            ax.set_xlabel(xlabel, fontsize=8)
        _style(ax)
        return _png(fig)
