"""Server-rendered SVG bar charts: accessible (a title, and the figures written beside each
bar), printable, no JavaScript. Pages show the same figures in a table next to the chart."""

from django.utils.html import escape
from django.utils.safestring import mark_safe


def bar_chart(title: str, bars: list[tuple], maximum: float | None = None,
              width: int = 320) -> str:
    """bars: (label, value, text shown at the end of the bar[, highlighted]). Highlighted bars
    (the default) are drawn in the accent colour, the others grey; the page says in words which
    is which, so colour is never the only sign."""
    if not bars:
        return ""
    top = maximum or max((bar[1] for bar in bars), default=0) or 1
    bar_h, gap = 22, 12
    height = len(bars) * (bar_h * 2 + gap)
    chart_id = f"chart-{abs(hash((title, tuple(bars)))) % 10**8}"
    # viewBox starts above 0: room for the first label when large text enlarges it.
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 -8 {width + 80} {height + 8}" '
             f'class="chart" role="img" aria-labelledby="{chart_id}">'
             f'<title id="{chart_id}">{escape(title)}</title>']
    y = 0
    for label, value, text, *rest in bars:
        highlighted = rest[0] if rest else True
        length = max(int(width * (value or 0) / top), 1)
        parts.append(f'<text x="0" y="{y + 15}" font-size="14" fill="#1f2328">'
                     f'{escape(label[:40])}</text>')
        parts.append(f'<rect x="0" y="{y + bar_h}" width="{length}" height="{bar_h - 4}" '
                     f'fill="{"#9b1c1c" if highlighted else "#6b7280"}"/>')
        parts.append(f'<text x="{length + 6}" y="{y + bar_h + 14}" font-size="14" '
                     f'fill="#1f2328">{escape(text)}</text>')
        y += bar_h * 2 + gap
    parts.append("</svg>")
    return mark_safe("".join(parts))
