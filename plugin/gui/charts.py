"""Charts of a ResultSet with matplotlib (shipped with QGIS, imported lazily).

If matplotlib does not import, matplotlib_available() is False and the dock shows the
table with a note instead. Figures are built with matplotlib.figure.Figure (no pyplot,
no global state); Chinese labels get a CJK font when one is installed.
"""

import math
import os
from pathlib import Path
from typing import List, Optional, Tuple

from ..core.dataset import CLASS_CODES, CLASSES
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from .results import (
    ANALYSIS_BOTH,
    ANALYSIS_CHANGE,
    PREFIX_2020,
    PREFIX_2022,
    PREFIX_CHANGE,
    ResultSet,
    class_short_label,
)

log = get_logger("gui.charts")

CHART_IMPERVIOUS = "impervious"
CHART_COMPOSITION = "composition"
CHART_TRANSITIONS = "transitions"
CHART_GAIN_LOSS = "gain_loss"
CHART_KINDS = (CHART_IMPERVIOUS, CHART_COMPOSITION, CHART_TRANSITIONS, CHART_GAIN_LOSS)

CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)
_CJK_FILE_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "wqy", "msyh", "simhei", "pingfang")

_matplotlib_state = {"checked": False, "ok": False, "error": ""}
_font_state = {"families": None}


def matplotlib_available() -> bool:
    """True when matplotlib and its Qt canvas import (checked once)."""
    if not _matplotlib_state["checked"]:
        _matplotlib_state["checked"] = True
        try:
            import matplotlib  # noqa: F401
            from matplotlib.figure import Figure  # noqa: F401

            _canvas_class()
            _matplotlib_state["ok"] = True
        except Exception as error:  # ImportError, or a broken backend
            _matplotlib_state["error"] = str(error)
            log.warning("matplotlib is not usable, charts are disabled: %s", error)
    return _matplotlib_state["ok"]


def unavailable_reason() -> str:
    return _matplotlib_state["error"]


def _canvas_class():
    try:
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    except ImportError:  # matplotlib < 3.5
        from matplotlib.backends.backend_qt5agg import FigureCanvasQTAgg
    return FigureCanvasQTAgg


def _has_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def font_families() -> List[str]:
    """Font families for chart text: an installed CJK font first (if any), then DejaVu Sans."""
    if _font_state["families"] is None:
        from matplotlib import font_manager

        names = {f.name for f in font_manager.fontManager.ttflist}
        found = [n for n in CJK_FONT_NAMES if n in names]
        if not found:
            # matplotlib's font cache predates fonts installed later: add known CJK files
            try:
                for path in font_manager.findSystemFonts():
                    if any(h in os.path.basename(path).lower().replace("-", "") for h in _CJK_FILE_HINTS):
                        try:
                            font_manager.fontManager.addfont(path)
                        except Exception:  # nosec B110 # an unreadable font file is skipped; others may serve
                            pass
                names = {f.name for f in font_manager.fontManager.ttflist}
                found = [n for n in CJK_FONT_NAMES if n in names]
            except Exception as error:
                log.info("Could not scan system fonts: %s", error)
        _font_state["families"] = found[:1] + ["DejaVu Sans"]
    return list(_font_state["families"])


def _apply_fonts(figure) -> None:
    from matplotlib.text import Text

    families = font_families()
    texts = figure.findobj(Text)
    if any(_has_cjk(t.get_text()) for t in texts) and len(families) == 1:
        log.warning("No CJK font found: Chinese chart labels may show as boxes.")
    latin_first = families[1:] + families[:1]
    for text in texts:
        # CJK font first where there is Chinese (it has Latin glyphs too), else DejaVu Sans
        text.set_fontfamily(families if _has_cjk(text.get_text()) else latin_first)


# -- availability -----------------------------------------------------------
def chart_title(kind: str) -> str:
    return {
        CHART_IMPERVIOUS: tr("Impervious area and share per zone"),
        CHART_COMPOSITION: tr("Class composition per zone"),
        CHART_TRANSITIONS: tr("Transition matrix 2020 → 2022"),
        CHART_GAIN_LOSS: tr("Impervious gain and loss per zone"),
    }[kind]


def chart_unavailable_reason(kind: str, result: Optional[ResultSet]) -> str:
    """Empty when the chart can be drawn for this result, else why not."""
    if result is None or len(result) == 0:
        return tr("Run an analysis to see its charts.")
    if kind in (CHART_TRANSITIONS, CHART_GAIN_LOSS) and result.analysis != ANALYSIS_CHANGE:
        return tr("This chart needs the analysis “Change 2020 → 2022”.")
    return ""


# -- data helpers -------------------------------------------------------------
def _num(value) -> float:
    if value is None:
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(number) else number


def _shorten(label: str, width: int = 22) -> str:
    label = str(label)
    return label if len(label) <= width else label[: width - 1] + "…"


def top_rows(result: ResultSet, key: str, top_n: int, *, absolute: bool = False) -> List[int]:
    """Indices of the top_n rows by the key's value (largest first)."""
    order = sorted(
        range(len(result)),
        key=lambda r: abs(_num(result.rows[r].get(key))) if absolute else _num(result.rows[r].get(key)),
        reverse=True,
    )
    return order[: max(1, int(top_n))]


def _impervious_keys(result: ResultSet) -> List[Tuple[str, str, str]]:
    """(area key, share key or '', legend) per period shown by the impervious chart."""
    if result.analysis == ANALYSIS_CHANGE:
        return [
            (PREFIX_CHANGE + "imperv_from_km2", "", "2020"),
            (PREFIX_CHANGE + "imperv_to_km2", "", "2022"),
        ]
    if result.analysis == ANALYSIS_BOTH:
        return [
            (PREFIX_2020 + "imperv_km2", PREFIX_2020 + "imperv_pct", "2020"),
            (PREFIX_2022 + "imperv_km2", PREFIX_2022 + "imperv_pct", "2022"),
        ]
    prefix = PREFIX_2020 if result.analysis == "2020" else PREFIX_2022
    return [(prefix + "imperv_km2", prefix + "imperv_pct", result.analysis)]


def _change_share(result: ResultSet, row: int, to_year: bool) -> Optional[float]:
    values = result.rows[row]
    valid = _num(values.get(PREFIX_CHANGE + "valid_km2"))
    if valid <= 0:
        return None
    area = _num(values.get(PREFIX_CHANGE + ("imperv_to_km2" if to_year else "imperv_from_km2")))
    return 100.0 * area / valid


def composition_percent(result: ResultSet, row: int, period: str) -> List[float]:
    """Share (%) of each class in the zone's valid area for one period ("2020"/"2022")."""
    values = result.rows[row]
    if result.analysis == ANALYSIS_CHANGE:
        matrix = result.transition_matrix(row)
        if period == "2020":
            areas = [sum(matrix[a]) for a in CLASS_CODES]
        else:
            areas = [sum(matrix[a][b] for a in CLASS_CODES) for b in CLASS_CODES]
    else:
        prefix = PREFIX_2020 if period == "2020" else PREFIX_2022
        areas = [_num(values.get(f"{prefix}{CLASSES[c].key}_km2")) for c in CLASS_CODES]
    total = sum(areas)
    return [100.0 * a / total if total > 0 else 0.0 for a in areas]


def _periods(result: ResultSet) -> List[str]:
    if result.analysis in (ANALYSIS_BOTH, ANALYSIS_CHANGE):
        return ["2020", "2022"]
    return [result.analysis]


# -- figures ---------------------------------------------------------------
# Sizes in pixels at 100 dpi (the figure follows its canvas; these decide the canvas's minimum).
FONT_SIZE = 8  # points: tick labels and legends
TITLE_SIZE = 9
ROW_PX = 18  # vertical room per zone: 8 pt labels (about 11 px) never touch
MIN_WIDTH_PX = 350
MIN_HEIGHT_PX = 300
LABEL_CHARS = 18  # zone labels longer than this are cut with "…" (the full name shows on hover)


def _row_px(kind: str, result: ResultSet) -> int:
    if kind == CHART_IMPERVIOUS and len(_impervious_keys(result)) == 2:
        return ROW_PX + 8  # two bars per zone
    return ROW_PX


def preferred_size_px(kind: str, result: ResultSet, top_n: int) -> Tuple[int, int]:
    """(width, height) the chart needs so that no label touches another: the canvas's minimum."""
    if kind == CHART_TRANSITIONS or result is None:
        return MIN_WIDTH_PX + 50, MIN_HEIGHT_PX + 30
    n = min(max(1, int(top_n)), max(1, len(result)))
    return MIN_WIDTH_PX, max(MIN_HEIGHT_PX, 130 + n * _row_px(kind, result))


def make_figure(kind: str, result: ResultSet, *, top_n: int = 15, selected_row: Optional[int] = None,
                figsize=None, dpi: int = 100):
    """Build the chart as a matplotlib Figure (raises ValueError when it does not apply).

    The layout is matplotlib's constrained layout: it is redone at every draw, so the chart
    follows its canvas's size. figsize defaults to preferred_size_px()."""
    from matplotlib.figure import Figure

    reason = chart_unavailable_reason(kind, result)
    if reason:
        raise ValueError(reason)
    if figsize is None:
        width, height = preferred_size_px(kind, result, top_n)
        figsize = (max(width, 640) / 100.0, height / 100.0)
    figure = Figure(figsize=figsize, dpi=dpi, constrained_layout=True)
    pads = dict(w_pad=4 / 72, h_pad=4 / 72, wspace=0.04, hspace=0.02)
    engine = figure.get_layout_engine() if hasattr(figure, "get_layout_engine") else None
    if engine is not None:  # matplotlib >= 3.6
        engine.set(**pads)
    else:
        figure.set_constrained_layout_pads(**pads)
    figure.cisc_hover = []  # (axes, [full text per y position]) for tooltips on hover
    builder = {
        CHART_IMPERVIOUS: _impervious_chart,
        CHART_COMPOSITION: _composition_chart,
        CHART_TRANSITIONS: _transition_chart,
        CHART_GAIN_LOSS: _gain_loss_chart,
    }[kind]
    builder(figure, result, top_n=top_n, selected_row=selected_row)
    _apply_fonts(figure)
    return figure


def make_canvas(figure, parent=None):
    """A Qt widget showing the figure at least at the size its labels need; zone names cut
    with "…" show in full as a tooltip on hover."""
    canvas = _canvas_class()(figure)
    if parent is not None:
        canvas.setParent(parent)
    width, height = figure.get_size_inches() * figure.dpi
    canvas.setMinimumSize(MIN_WIDTH_PX, max(MIN_HEIGHT_PX, int(round(height))))

    def on_motion(event):
        text = hover_text(figure, event.x, event.y)
        if text != canvas.toolTip():
            canvas.setToolTip(text)

    canvas.mpl_connect("motion_notify_event", on_motion)
    return canvas


def hover_text(figure, x: float, y: float) -> str:
    """The full zone text under the pointer (display pixels from the bottom left), or ""."""
    for ax, texts in getattr(figure, "cisc_hover", []):
        box = ax.get_window_extent()
        if not (box.y0 <= y <= box.y1 and x <= box.x1):
            continue
        _x, ydata = ax.transData.inverted().transform((x, y))
        index = int(round(ydata))
        if 0 <= index < len(texts) and abs(ydata - index) <= 0.5:
            return texts[index]
    return ""


def _legend_axes(figure, spec):
    """An axes without frame holding only a legend: legends never cover data."""
    ax = figure.add_subplot(spec)
    ax.set_axis_off()
    return ax


def _zone_axis(ax, figure, result, rows, values_text):
    """Truncated zone labels on the y axis; the full names (and figures) on hover."""
    import numpy as np

    y = np.arange(len(rows))
    ax.set_yticks(y)
    ax.set_yticklabels([_shorten(result.zone_labels[r], LABEL_CHARS) for r in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.tick_params(labelsize=FONT_SIZE)
    figure.cisc_hover.append((ax, [f"{result.zone_labels[r]}\n{values_text(r)}" for r in rows]))
    return y


def _fmt(value: Optional[float], unit: str) -> str:
    if value is None:
        return "–"
    return f"{value:,.3f} {unit}" if unit == "km²" else f"{value:.1f} {unit}"


def _impervious_chart(figure, result, *, top_n, selected_row):
    keys = _impervious_keys(result)
    rows = top_rows(result, keys[-1][0], top_n)[::-1]  # largest on top in a horizontal bar chart
    grid = figure.add_gridspec(2, 1, height_ratios=[1, 14])
    ax = figure.add_subplot(grid[1])

    def shares_of(r):
        out = []
        for area_key, share_key, legend in keys:
            share = result.rows[r].get(share_key) if share_key else _change_share(result, r, legend == "2022")
            out.append((legend, _num(result.rows[r].get(area_key)), None if share is None else float(share)))
        return out

    y = _zone_axis(ax, figure, result, rows, lambda r: "\n".join(
        f"{legend}: {_fmt(area, 'km²')}, {_fmt(share, '%')}" for legend, area, share in shares_of(r)))
    height = 0.8 / len(keys)
    colors = ["#f4a582", "#d7191c"] if len(keys) == 2 else ["#d7191c"]
    peak = 0.0
    for i, (area_key, _share_key, legend) in enumerate(keys):
        values = [_num(result.rows[r].get(area_key)) for r in rows]
        peak = max([peak] + values)
        offset = ((len(keys) - 1) / 2 - i) * height  # first period on top
        bars = ax.barh(y + offset, values, height=height, color=colors[i], label=legend)
        for bar, r in zip(bars, rows):
            share = shares_of(r)[i][2]
            if share is not None and not math.isnan(share):
                ax.annotate(f"{share:.1f} %", xy=(bar.get_width(), bar.get_y() + bar.get_height() / 2),
                            xytext=(2, 0), textcoords="offset points", va="center", fontsize=FONT_SIZE - 1,
                            color="#333333")
    ax.set_xlim(0, peak * 1.22 if peak > 0 else 1.0)  # room for the share after the longest bar
    ax.set_xlabel(tr("Impervious area (km²)"), fontsize=FONT_SIZE)
    ax.tick_params(axis="x", labelsize=FONT_SIZE)
    legend_ax = _legend_axes(figure, grid[0])
    handles, texts = ax.get_legend_handles_labels()
    legend_ax.legend(handles, texts, loc="center", ncol=max(1, len(handles)), fontsize=FONT_SIZE,
                     frameon=False, title=tr("Bar labels: impervious share of the valid area"),
                     title_fontsize=FONT_SIZE)
    figure.suptitle(tr("Top {n} zones by impervious area").format(n=len(rows)), fontsize=TITLE_SIZE)


def _composition_chart(figure, result, *, top_n, selected_row):
    import numpy as np

    periods = _periods(result)
    if result.analysis == ANALYSIS_CHANGE:
        size_key = PREFIX_CHANGE + "valid_km2"
    else:
        size_key = (PREFIX_2022 if periods[-1] == "2022" else PREFIX_2020) + "valid_km2"
    rows = top_rows(result, size_key, top_n)[::-1]
    shares = {p: np.array([composition_percent(result, r, p) for r in rows]).reshape(len(rows), 4) for p in periods}
    position = {r: i for i, r in enumerate(rows)}

    def describe(r):
        return "\n".join(
            f"{p}: " + ", ".join(f"{class_short_label(c)} {shares[p][position[r], c]:.1f} %" for c in CLASS_CODES)
            for p in periods)

    grid = figure.add_gridspec(2, len(periods), height_ratios=[1, 14])
    axes = []
    for i, period in enumerate(periods):
        ax = figure.add_subplot(grid[1, i], sharey=axes[0] if axes else None)
        axes.append(ax)
        y = np.arange(len(rows))
        left = np.zeros(len(rows))
        for c in CLASS_CODES:
            ax.barh(y, shares[period][:, c], left=left, color=CLASSES[c].color, edgecolor="white", linewidth=0.3,
                    label=class_short_label(c))
            left += shares[period][:, c]
        ax.set_xlim(0, 100)
        ax.set_title(period, fontsize=TITLE_SIZE)
        ax.tick_params(labelsize=FONT_SIZE)
        if i == 0:
            _zone_axis(ax, figure, result, rows, describe)
        else:
            ax.tick_params(labelleft=False)
    handles, texts = axes[0].get_legend_handles_labels()
    figure.supxlabel(tr("Share of the valid area (%)"), fontsize=FONT_SIZE)
    _legend_axes(figure, grid[0, :]).legend(handles, texts, loc="center", ncol=2, fontsize=FONT_SIZE,
                                              frameon=False, handlelength=1.2, columnspacing=1.0)
    figure.suptitle(tr("Class composition of the {n} largest zones (valid area)").format(n=len(rows)),
                    fontsize=TITLE_SIZE)


def _area_text(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _transition_chart(figure, result, *, top_n, selected_row):
    import numpy as np
    from matplotlib.colors import PowerNorm

    matrix = np.array(result.transition_matrix(selected_row))
    ax = figure.add_subplot(1, 1, 1)
    peak = float(matrix.max()) if matrix.size else 0.0
    # a power scale keeps the (small) changes off the diagonal visible next to what stayed
    norm = PowerNorm(gamma=0.4, vmin=0.0, vmax=peak if peak > 0 else 1.0)
    ax.imshow(matrix, cmap="YlOrRd", norm=norm, aspect="auto")
    labels = [class_short_label(c) for c in CLASS_CODES]
    ax.set_xticks(range(4))
    ax.set_yticks(range(4))
    ax.set_xticklabels(labels, rotation=20, ha="right", rotation_mode="anchor")
    ax.set_yticklabels(labels)
    ax.tick_params(labelsize=FONT_SIZE)
    ax.set_xlabel(tr("Class in 2022"), fontsize=FONT_SIZE)
    ax.set_ylabel(tr("Class in 2020"), fontsize=FONT_SIZE)
    total = float(matrix.sum())
    for a in CLASS_CODES:
        for b in CLASS_CODES:
            value = float(matrix[a, b])
            color = "white" if peak and norm(value) > 0.6 else "black"
            ax.text(b, a - (0.12 if total > 0 else 0), _area_text(value), ha="center", va="center",
                    fontsize=FONT_SIZE + 1, color=color)
            if total > 0:  # and its share of the whole matrix, smaller, under it
                ax.text(b, a + 0.2, f"{100.0 * value / total:.1f} %", ha="center", va="center",
                        fontsize=FONT_SIZE - 1, color=color)
    if selected_row is None:
        scope = tr("all {n} zones").format(n=len(result))
    else:
        scope = result.zone_labels[selected_row]
    ax.set_title(tr("Transitions 2020 → 2022 (km²): {scope}").format(scope=_shorten(scope, 24)),
                 fontsize=TITLE_SIZE)


def _gain_loss_chart(figure, result, *, top_n, selected_row):
    import numpy as np

    rows = top_rows(result, PREFIX_CHANGE + "net_km2", top_n, absolute=True)[::-1]
    gain = np.array([_num(result.rows[r].get(PREFIX_CHANGE + "gain_km2")) for r in rows])
    loss = np.array([_num(result.rows[r].get(PREFIX_CHANGE + "loss_km2")) for r in rows])
    net = np.array([_num(result.rows[r].get(PREFIX_CHANGE + "net_km2")) for r in rows])
    grid = figure.add_gridspec(2, 1, height_ratios=[1, 14])
    ax = figure.add_subplot(grid[1])
    position = {r: i for i, r in enumerate(rows)}
    y = _zone_axis(ax, figure, result, rows, lambda r: "{}: {}, {}: {}, {}: {}".format(
        tr("Gain"), _fmt(gain[position[r]], "km²"), tr("Loss"), _fmt(loss[position[r]], "km²"),
        tr("Net change"), _fmt(net[position[r]], "km²")))
    ax.barh(y, gain, color="#d7191c", label=tr("Gain (to impervious)"))
    ax.barh(y, -loss, color="#2c7bb6", label=tr("Loss (from impervious)"))
    ax.plot(net, y, "D", color="black", markersize=4, label=tr("Net change"))
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_xlabel(tr("Area (km²)"), fontsize=FONT_SIZE)
    ax.tick_params(axis="x", labelsize=FONT_SIZE)
    handles, texts = ax.get_legend_handles_labels()
    _legend_axes(figure, grid[0]).legend(handles, texts, loc="center", ncol=1, fontsize=FONT_SIZE,
                                         frameon=False, handlelength=1.2, columnspacing=1.0)
    figure.suptitle(tr("Impervious gain and loss 2020 → 2022") + "\n"
                    + tr("top {n} zones by net change").format(n=len(rows)), fontsize=TITLE_SIZE)


def save_png(figure, path, dpi: int = 150) -> Path:
    """Save the figure as PNG through a temporary file renamed into place."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        target = target.with_suffix(".png")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.part.png")
    try:
        figure.savefig(str(tmp), dpi=dpi, format="png")
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    return target
