"""Results as rows (for the table screen readers and printers use) and as a server-rendered SVG
bar chart beside it."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Method

RATING_LABELS = {"satisfied": gettext_lazy("Satisfied"),
                 "basically": gettext_lazy("Basically satisfied"),
                 "unsatisfied": gettext_lazy("Not satisfied"), "no_votes": gettext_lazy("No votes")}


def result_rows(ballot, options) -> list[dict]:
    result = ballot.result or {}
    rows = []
    if ballot.method in (Method.CHOOSE, Method.BUDGET):
        winners = result.get("winners", [])
        for o in sorted(options, key=lambda o: -result["counts"].get(o.key, 0)):
            rows.append({"key": o.key, "title": o.title, "value": result["counts"].get(o.key, 0),
                         "cost": o.cost if ballot.method == Method.BUDGET else None,
                         "outcome": _("Selected") if o.key in winners else _("Not selected"),
                         "won": o.key in winners,
                         "order": winners.index(o.key) + 1 if o.key in winners else None})
    elif ballot.method == Method.YES_NO:
        for o in options:
            item = result["items"][o.key]
            rows.append({"key": o.key, "title": o.title, "value": item["yes"], "no": item["no"],
                         "abstain": item["abstain"], "won": item["passed"],
                         "outcome": _("Passed") if item["passed"] else _("Not passed")})
    else:
        for o in options:
            item = result["items"][o.key]
            rows.append({"key": o.key, "title": o.title, "value": item["satisfied"],
                         "basically": item["basically"], "unsatisfied": item["unsatisfied"],
                         "won": item["rating"] == "satisfied",
                         "outcome": str(RATING_LABELS[item["rating"]])})
    return rows


def result_chart(ballot, options) -> str:
    """Horizontal bars, one per option, labelled with the figure; selected/passed options are
    drawn solid, others hatched grey, and the outcome is also written as text."""
    rows = result_rows(ballot, options)
    if not rows:
        return ""
    top = max(max(r["value"] for r in rows), 1)
    bar_h, gap, label_w, width = 22, 12, 0, 320
    height = len(rows) * (bar_h * 2 + gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width + 60} {height}" '
             f'class="chart" role="img" aria-labelledby="chart-title">'
             f'<title id="chart-title">{escape(_("Votes per option"))}</title>']
    y = 0
    for r in rows:
        w = int(width * r["value"] / top)
        fill = "#9b1c1c" if r["won"] else "#6b7280"
        parts.append(f'<text x="0" y="{y + 15}" font-size="14" fill="#1f2328">'
                     f'{escape(r["title"][:40])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + bar_h}" width="{max(w, 1)}" height="{bar_h - 4}" '
                     f'fill="{fill}"/>')
        parts.append(f'<text x="{label_w + max(w, 1) + 6}" y="{y + bar_h + 14}" font-size="14" '
                     f'fill="#1f2328">{r["value"]}</text>')
        y += bar_h * 2 + gap
    parts.append("</svg>")
    return mark_safe("".join(parts))
