"""Results as rows (for the table screen readers and printers use) and as a server-rendered SVG
bar chart beside it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core.charts import bar_chart

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
    """One bar per option with its figure; selected/passed options in the accent colour (the
    table beside it says the outcome in words)."""
    rows = result_rows(ballot, options)
    return bar_chart(_("Votes per option"),
                     [(r["title"], r["value"], str(r["value"]), r["won"]) for r in rows])
