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
    class_label,
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


def make_canvas(figure, parent=None):
    """A Qt widget showing the figure; the layout follows the widget's size."""
    canvas = _canvas_class()(figure)
    if parent is not None:
        canvas.setParent(parent)
    relayout = getattr(figure, "cisc_relayout", None)
    if relayout is not None:
        canvas.mpl_connect("resize_event", lambda _event: relayout())
    return canvas


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
                        except Exception:
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
def make_figure(kind: str, result: ResultSet, *, top_n: int = 15, selected_row: Optional[int] = None,
                figsize=(7.0, 5.0), dpi: int = 100):
    """Build the chart as a matplotlib Figure (raises ValueError when it does not apply)."""
    from matplotlib.figure import Figure

    reason = chart_unavailable_reason(kind, result)
    if reason:
        raise ValueError(reason)
    figure = Figure(figsize=figsize, dpi=dpi)
    builder = {
        CHART_IMPERVIOUS: _impervious_chart,
        CHART_COMPOSITION: _composition_chart,
        CHART_TRANSITIONS: _transition_chart,
        CHART_GAIN_LOSS: _gain_loss_chart,
    }[kind]
    builder(figure, result, top_n=top_n, selected_row=selected_row)
    _apply_fonts(figure)

    def relayout():
        try:
            figure.tight_layout()
            if kind == CHART_COMPOSITION:
                figure.subplots_adjust(bottom=0.24, top=0.86)  # room for the legend below
        except Exception:  # tight_layout can fail on tiny canvases; the chart stays usable
            pass

    relayout()
    figure.cisc_relayout = relayout  # run again whenever the canvas is resized
    return figure


def _impervious_chart(figure, result, *, top_n, selected_row):
    import numpy as np

    keys = _impervious_keys(result)
    rows = top_rows(result, keys[-1][0], top_n)
    rows = rows[::-1]  # largest on top in a horizontal bar chart
    labels = [_shorten(result.zone_labels[r]) for r in rows]
    ax = figure.add_subplot(1, 1, 1)
    y = np.arange(len(rows))
    height = 0.8 / len(keys)
    colors = ["#f4a582", "#d7191c"] if len(keys) == 2 else ["#d7191c"]
    for i, (area_key, _share_key, legend) in enumerate(keys):
        values = [_num(result.rows[r].get(area_key)) for r in rows]
        offset = ((len(keys) - 1) / 2 - i) * height  # first period on top
        ax.barh(y + offset, values, height=height, color=colors[i], label=legend)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel(tr("Impervious area (km²)"))
    # share of the valid area, on a second x axis
    ax2 = ax.twiny()
    for i, (_area_key, share_key, legend) in enumerate(keys):
        if share_key:
            shares = [result.rows[r].get(share_key) for r in rows]
        else:
            shares = [_change_share(result, r, to_year=(legend == "2022")) for r in rows]
        shares = [float("nan") if s is None else float(s) for s in shares]
        offset = ((len(keys) - 1) / 2 - i) * height  # first period on top
        ax2.plot(shares, y + offset, "o", color="#333333" if i == len(keys) - 1 else "#888888",
                 markersize=4, label=tr("{year} share").format(year=legend))
    ax2.set_xlabel(tr("Impervious share of the valid area (%)"))
    ax2.set_xlim(left=0)
    handles, texts = ax.get_legend_handles_labels()
    handles2, texts2 = ax2.get_legend_handles_labels()
    ax.legend(handles + handles2, texts + texts2, loc="lower right", fontsize="small")
    ax.set_title(tr("Top {n} zones by impervious area").format(n=len(rows)), fontsize="medium", pad=28)


def _composition_chart(figure, result, *, top_n, selected_row):
    import numpy as np

    periods = _periods(result)
    if result.analysis == ANALYSIS_CHANGE:
        size_key = PREFIX_CHANGE + "valid_km2"
    else:
        size_key = (PREFIX_2022 if periods[-1] == "2022" else PREFIX_2020) + "valid_km2"
    rows = top_rows(result, size_key, top_n)[::-1]
    labels = [_shorten(result.zone_labels[r]) for r in rows]
    axes = []
    for i, period in enumerate(periods):
        ax = figure.add_subplot(1, len(periods), i + 1, sharey=axes[0] if axes else None)
        axes.append(ax)
        y = np.arange(len(rows))
        left = np.zeros(len(rows))
        shares = np.array([composition_percent(result, r, period) for r in rows]).reshape(len(rows), 4)
        for c in CLASS_CODES:
            ax.barh(y, shares[:, c], left=left, color=CLASSES[c].color, edgecolor="white", linewidth=0.3,
                    label=class_label(c))
            left += shares[:, c]
        ax.set_xlim(0, 100)
        ax.set_xlabel(tr("Share of the valid area (%)"))
        ax.set_title(period, fontsize="medium")
        ax.set_yticks(y)
        if i == 0:
            ax.set_yticklabels(labels)
        else:
            ax.tick_params(labelleft=False)
    handles, texts = axes[0].get_legend_handles_labels()
    figure.legend(handles, texts, loc="lower center", ncol=2, fontsize="small", frameon=False)
    figure.suptitle(tr("Class composition of the {n} largest zones (valid area)").format(n=len(rows)),
                    fontsize="medium")


def _transition_chart(figure, result, *, top_n, selected_row):
    import numpy as np
    from matplotlib.colors import PowerNorm

    matrix = np.array(result.transition_matrix(selected_row))
    ax = figure.add_subplot(1, 1, 1)
    peak = float(matrix.max()) if matrix.size else 0.0
    # a power scale keeps the (small) changes off the diagonal visible next to what stayed
    norm = PowerNorm(gamma=0.4, vmin=0.0, vmax=peak if peak > 0 else 1.0)
    image = ax.imshow(matrix, cmap="YlOrRd", norm=norm)
    labels = [class_short_label(c) for c in CLASS_CODES]
    ax.set_xticks(range(4))
    ax.set_yticks(range(4))
    ax.set_xticklabels(labels)
    ax.set_yticklabels(labels)
    ax.set_xlabel(tr("Class in 2022"))
    ax.set_ylabel(tr("Class in 2020"))
    for a in CLASS_CODES:
        for b in CLASS_CODES:
            value = matrix[a, b]
            ax.text(b, a, f"{value:,.2f}", ha="center", va="center", fontsize="small",
                    color="white" if peak and norm(value) > 0.6 else "black")
    colorbar = figure.colorbar(image, ax=ax)
    colorbar.set_label(tr("Area (km²)"))
    if selected_row is None:
        scope = tr("all {n} zones").format(n=len(result))
    else:
        scope = result.zone_labels[selected_row]
    ax.set_title(tr("Transitions 2020 → 2022 (km²): {scope}").format(scope=_shorten(scope, 40)),
                 fontsize="medium")


def _gain_loss_chart(figure, result, *, top_n, selected_row):
    import numpy as np

    rows = top_rows(result, PREFIX_CHANGE + "net_km2", top_n, absolute=True)[::-1]
    labels = [_shorten(result.zone_labels[r]) for r in rows]
    gain = np.array([_num(result.rows[r].get(PREFIX_CHANGE + "gain_km2")) for r in rows])
    loss = np.array([_num(result.rows[r].get(PREFIX_CHANGE + "loss_km2")) for r in rows])
    net = np.array([_num(result.rows[r].get(PREFIX_CHANGE + "net_km2")) for r in rows])
    ax = figure.add_subplot(1, 1, 1)
    y = np.arange(len(rows))
    ax.barh(y, gain, color="#d7191c", label=tr("Gain (to impervious)"))
    ax.barh(y, -loss, color="#2c7bb6", label=tr("Loss (from impervious)"))
    ax.plot(net, y, "D", color="black", markersize=4, label=tr("Net change"))
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel(tr("Area (km²)"))
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(tr("Impervious gain and loss 2020 → 2022, top {n} zones by net change").format(n=len(rows)),
                 fontsize="medium")


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
