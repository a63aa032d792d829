"""The class report's plots: matplotlib figures rendered to SVG text, to go inline in the page.

matplotlib is an optional extra (``pip install 'optim-grader[report]'``) and costs ~0.5 s to
import, so it is imported here, inside the function, only when a report is drawn: ``grade``
starts without it. Figures are made with ``matplotlib.figure.Figure`` rather than pyplot, so no
GUI backend or global figure state is involved (matplotlib's advice for servers); ``svg.fonttype
= none`` keeps the labels as text (small, sharp, in the page's font) rather than glyph paths.
"""

from __future__ import annotations

import io
import re

INK, BAR, FULL = "#333333", "#4c78a8", "#2e8540"


def histogram(bins, points: float, *, label: str, prefix: str) -> str:
    """An ``<svg>`` of students per score band (``bins``: ``classreport.Bin``), full marks in green.

    ``label`` is what a screen reader says; ``prefix`` makes the SVG's ids unique in the page (several
    plots inline share one id space). Raises ImportError when matplotlib is not installed.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix, "font.size": 9, "axes.edgecolor": INK,
                     "text.color": INK, "xtick.color": INK, "ytick.color": INK, "axes.labelcolor": INK}):
        fig = Figure(figsize=(4.2, 2.2), layout="constrained")
        ax = fig.subplots()
        names = [b.label for b in bins]
        colours = [BAR] * (len(bins) - 1) + [FULL]  # the last band is full marks alone
        ax.bar(range(len(bins)), [b.count for b in bins], color=colours, width=0.85)
        step = max(1, len(bins) // 11)  # every label fits on a phone
        ax.set_xticks(range(0, len(bins), step), names[::step])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(f"score (of {points:g})")
        ax.set_ylabel("students")
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(x=0.01)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    return _inline(buffer.getvalue(), label, prefix)


def _inline(svg: str, label: str, prefix: str) -> str:
    """The ``<svg>`` element alone (no XML prologue or metadata), its ids prefixed, labelled for
    screen readers."""
    import html

    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'(\bid="|url\(#|href="#)', lambda m: m.group(1) + prefix + "-", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" ', 1).strip()
