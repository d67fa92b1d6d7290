"""Server-rendered SVG bar charts: accessible (a title, and the figures written beside each
bar), printable, no JavaScript. Pages show the same figures in a table next to the chart.

SVG text does not wrap and the browser does not move it: whatever does not fit the viewBox is
cut off. So the chart is laid out here, for a known font size, with each text's width
estimated on the generous side (`text_width`): a label longer than the chart's width wraps
onto further lines, and a bar's figure goes after the bar when it fits there, inside the bar
(white on the bar's colour) when the bar is long, and on its own line under the bar otherwise.

Large-text mode (适老化) needs larger text, and larger text needs another layout, so every
chart is drawn twice: one SVG for normal text, one for large text, and the stylesheet shows the
one for the reader's mode (`chart-normal`, `chart-large`). Both are 360 units wide: on a 360 px
phone, 1 unit is about 0.9 px, so the text is close to the page's own size in either mode."""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

VIEW_WIDTH = 360
LEFT_MARGIN = 4
TEXT = "#1f2328"
ACCENT = "#9b1c1c"   # white on it: 7.6:1
GREY = "#6b7280"     # white on it: 4.8:1
MAX_LABEL_LINES = 3
ELLIPSIS = "…"


@dataclass(frozen=True)
class Layout:
    name: str         # the SVG's class: chart-<name>
    font_size: int    # in viewBox units
    bold: bool


LAYOUTS = (Layout("normal", 16, False), Layout("large", 22, True))

# Widths in em of DejaVu Sans Bold, the widest of the fonts our stylesheet falls back on (Noto
# Sans CJK, PingFang and YaHei draw Latin narrower), rounded up: tests/core/test_charts_browser
# checks the estimate against what Chromium draws.
_NARROW = set("ijlrtfIJ.,:;'|!()[]{}-/·` ")
_WIDE = set("mwMW%@")


def text_width(text: str, font_size: float, bold: bool = False) -> float:
    """The width of `text` in the units of `font_size`, estimated on the generous side."""
    wide = latin = 0.0  # in em; a Chinese character is 1 em in any weight
    for ch in str(text):
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            wide += 1.0
        elif ch in _NARROW:
            latin += 0.5
        elif ch in _WIDE:
            latin += 1.12
        elif ch.isdigit():
            latin += 0.72
        elif ch.isupper():
            latin += 0.88
        elif ch.isascii():
            latin += 0.75
        else:  # an ellipsis, a dash, an accented letter: as wide as a Chinese character
            wide += 1.0
    return (wide + latin * (1.0 if bold else 0.93)) * font_size


# A break is allowed after a space and around each Chinese character; closing punctuation stays
# on the line of what it closes.
_TOKENS = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*"
                     r"|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef][，。、：；！？）」』》,.:;!?)]*\s*"
                     r"|\s+")


def wrap(text: str, width: float, font_size: float, bold: bool = False,
         max_lines: int = MAX_LABEL_LINES) -> tuple[list[str], bool]:
    """`text` cut into lines no wider than `width`; at most `max_lines`, the last one shortened
    with an ellipsis if the text does not fit in them. Returns the lines and whether the text
    was shortened (the caller then gives the whole text in a <title>)."""
    def fits(s):
        return text_width(s.rstrip(), font_size, bold) <= width

    lines, line = [], ""
    for token in _TOKENS.findall(str(text)):
        if fits(line + token):
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while line and not fits(line):  # one word wider than the chart: cut where it must be
            cut = next((i for i in range(len(line) - 1, 0, -1) if fits(line[:i])), 1)
            lines.append(line[:cut])
            line = line[cut:].lstrip()
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) <= max_lines:
        return lines or [""], False
    last = lines[max_lines - 1]
    while last and not fits(last.rstrip() + ELLIPSIS):
        last = last[:-1]
    return lines[:max_lines - 1] + [last.rstrip() + ELLIPSIS], True


def _number(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _svg(layout: Layout, chart_id: str, title: str, bars: list[tuple], top: float) -> str:
    f = layout.font_size
    line_h = round(f * 1.35)        # between label lines
    bar_h = round(f * 1.6)          # room for a figure inside the bar
    pad = round(f * 0.4)            # between a bar's end and its figure
    weight = ' font-weight="600"' if layout.bold else ""
    body, y = [], 0
    for label, value, figure, *rest in bars:
        highlighted = rest[0] if rest else True
        label, figure = str(label), str(figure)
        lines, shortened = wrap(label, VIEW_WIDTH, f, layout.bold)
        texts = "".join(f'<text x="0" y="{y + f + i * line_h:g}">{escape(line)}</text>'
                        for i, line in enumerate(lines))
        # A shortened label: the whole of it in a tooltip (and always in the table beside).
        body.append(f"<g><title>{escape(label)}</title>{texts}</g>" if shortened else texts)
        bar_y = round(y + len(lines) * line_h + f * 0.2, 1)
        length = min(max(round(VIEW_WIDTH * _number(value) / top), 1), VIEW_WIDTH)
        body.append(f'<rect x="0" y="{bar_y:g}" width="{length}" height="{bar_h}" '
                    f'fill="{ACCENT if highlighted else GREY}"/>')
        needed = text_width(figure, f, layout.bold)
        middle = round(bar_y + bar_h / 2 + f * 0.36, 1)  # a baseline centring digits on the bar
        bottom = bar_y + bar_h
        if length + pad + needed <= VIEW_WIDTH:  # after the bar
            body.append(f'<text x="{length + pad}" y="{middle:g}">{escape(figure)}</text>')
        elif needed + 2 * pad <= length:  # a long bar: inside its end, white on the bar
            body.append(f'<text x="{length - pad}" y="{middle:g}" text-anchor="end" '
                        f'fill="#fff">{escape(figure)}</text>')
        else:  # neither: on its own line under the bar
            body.append(f'<text x="0" y="{round(bottom + f * 1.1, 1):g}">{escape(figure)}</text>')
            bottom += round(f * 1.4, 1)
        y = bottom + f
    height = round(y - f + f * 0.3)
    # The viewBox starts a little left of 0: a glyph such as J reaches left of where it starts.
    return (f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="{-LEFT_MARGIN} 0 {VIEW_WIDTH + LEFT_MARGIN} {height}" '
            f'class="chart chart-{layout.name}" role="img" aria-labelledby="{chart_id}" '
            f'font-size="{f}"{weight} fill="{TEXT}">'
            f'<title id="{chart_id}">{escape(title)}</title>{"".join(body)}</svg>')


def bar_chart(title: str, bars: list[tuple], maximum: float | None = None) -> str:
    """bars: (label, value, text shown at the end of the bar[, highlighted]). Highlighted bars
    (the default) are drawn in the accent colour, the others grey; the page says in words which
    is which, so colour is never the only sign. `maximum`: the value of a full-width bar (the
    largest value if not given)."""
    if not bars:
        return ""
    top = _number(maximum) or max((_number(bar[1]) for bar in bars), default=0) or 1
    chart_id = f"chart-{abs(hash((str(title), tuple(map(str, bars))))) % 10**8}"
    return mark_safe("".join(_svg(layout, f"{chart_id}-{layout.name}", title, bars, top)
                             for layout in LAYOUTS))
