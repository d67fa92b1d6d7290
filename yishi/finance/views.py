"""Public pages of the street finances: the district's list, a street's year with the drill-down
(an SVG chart and the same figures in a table), each line on its own page, the economic view,
三公, the year against last year, and the downloads. A budget before approval is shown only to
the people who review it (finance.view_draft)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yishi.core.charts import bar_chart
from yishi.core.permissions import has_perm
from yishi.core.workflow import may
from yishi.moderation.queries import attach as attach_moderation

from . import exports, queries, services
from .forms import AnswerForm, QuestionForm
from .models import BudgetState, LineKind, ThreePublicKind, localized_name
from .templatetags.finance import wan


def _budget(request, code: str, year: int):
    budget = queries.budget_of(code, year)
    if budget is None:
        raise Http404
    try:
        services.require_view(request.user, budget)
    except PermissionDenied:
        raise Http404 from None
    return budget


def _trail(budget=None, *more):
    trail = [(_("Street finances"), reverse("finance:index"))]
    if budget is not None:
        trail.append((f"{budget.street.display_name} {budget.year}",
                      reverse("finance:budget", args=[budget.street.code, budget.year])))
    return trail + list(more)


def _chart(title, figures) -> str:
    # The unit is in the title, once, rather than after every figure.
    return bar_chart(title, [(f"{f.code} {f.name}", f.original, wan(f.original))
                             for f in figures])


def index(request: HttpRequest) -> HttpResponse:
    """Each street's latest published budget: total and per resident."""
    latest = {}
    for budget in queries.public_budgets().order_by("street__sort_order", "-year"):
        latest.setdefault(budget.street_id, budget)
    rows = []
    for street in queries.streets():
        budget = latest.get(street.pk)
        amount = queries.total(budget) if budget else None
        rows.append({"street": street, "budget": budget, "total": amount,
                     "per_resident": queries.per_resident(budget, amount) if budget else None})
    return render(request, "finance/index.html", {
        "rows": rows, "trail": [(_("Street finances"), None)]})


def street(request: HttpRequest, code: str) -> HttpResponse:
    street = next((s for s in queries.streets() if s.code == code), None)
    if street is None:
        raise Http404
    budgets = [b for b in queries.budgets_of(street)
               if b.is_public or has_perm(request.user, "finance.view_draft", street)]
    return render(request, "finance/street.html", {
        "street": street, "budgets": budgets,
        "trail": _trail(None, (street.display_name, None))})


def budget(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    summary = queries.summary(budget)
    unmapped = queries.with_last_year(budget, summary["top"])
    return render(request, "finance/budget.html", {
        "budget": budget, "s": summary, "unmapped": unmapped,
        "has_final": budget.is_public and queries.has_final_accounts(budget),
        "chart": _chart(_("Spending by function (类), 万元"), summary["top"]),
        "overview": bar_chart(_("Original, adjusted and executed, 万元"), [
            (_("Original budget"), summary["original"], wan(summary["original"])),
            (_("Adjusted budget"), summary["adjusted"], wan(summary["adjusted"])),
            (_("Executed"), summary["executed"], wan(summary["executed"]), False)]),
        "may": may(budget, request.user),
        "manages": has_perm(request.user, "finance.manage", budget.street),
        "trail": _trail(None, (f"{budget.street.display_name} {budget.year}", None)),
    })


def line(request: HttpRequest, code: str, year: int, line_code: str) -> HttpResponse:
    budget = _budget(request, code, year)
    line = queries.line_of(budget, line_code)
    if line is None:
        raise Http404
    under = queries.figures(budget, prefix=line.code, max_level=min(line.level + 1, 3))
    fig = under[line.code]
    children = [f for c, f in under.items() if len(c) == len(line.code) + 2]
    ancestors = queries.ancestors(budget, line)
    questions = attach_moderation(queries.questions_on(line))
    user = request.user
    may_ask = (budget.state in (BudgetState.REVIEW, BudgetState.APPROVED)
               and has_perm(user, "finance.ask", budget.street))
    for q in questions:
        q.may = may(q, user)
    return render(request, "finance/line.html", {
        "budget": budget, "fig": fig, "children": children,
        "chart": _chart(_("Under %(code)s, 万元") % {"code": line.code}, children)
        if children else "",
        "explanation": queries.explanation_of(budget, line),
        "history": queries.line_history(line), "questions": questions,
        "question_form": QuestionForm() if may_ask else None,
        "answer_form": AnswerForm(),
        "elapsed": queries.elapsed_share(budget.year) * 100,
        "trail": _trail(budget, *[(f"{a.code} {localized_name(a)}",
                                   reverse("finance:line", args=[code, year, a.code]))
                                  for a in ancestors], (f"{fig.code} {fig.name}", None)),
    })


def final_accounts(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The final accounts (决算) in their standard tables, each line beside its budget."""
    budget = _budget(request, code, year)
    if not budget.is_public or not queries.has_final_accounts(budget):
        raise Http404
    accounts = queries.final_accounts(budget)
    bars = []
    for f in accounts["top"]:
        bars.append((_("%(line)s: budget") % {"line": f"{f.code} {f.name}"}, f.adjusted,
                     wan(f.adjusted)))
        bars.append((_("%(line)s: final") % {"line": f"{f.code} {f.name}"}, f.final or 0,
                     wan(f.final), False))
    return render(request, "finance/final.html", {
        "budget": budget, "a": accounts,
        "chart": bar_chart(_("Adjusted budget and final accounts by function (类), 万元"), bars),
        "trail": _trail(budget, (_("Final accounts"), None))})


def economic(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    top = queries.tree(budget, LineKind.ECONOMIC)
    return render(request, "finance/economic.html", {
        "budget": budget, "top": top,
        "chart": _chart(_("Basic spending by economic type (类), 万元"), top),
        "trail": _trail(budget, (_("Economic view"), None))})


def three_public(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    rows = sorted(budget.three_public.all(), key=lambda r: r.order)
    labels = dict(ThreePublicKind.choices)
    bars = []
    for r in rows:
        bars.append((_("%(row)s: budget") % {"row": labels[r.kind]}, r.planned, wan(r.planned)))
        if r.actual is not None:
            bars.append((_("%(row)s: actual") % {"row": labels[r.kind]}, r.actual,
                         wan(r.actual), False))
    return render(request, "finance/three_public.html", {
        "budget": budget, "rows": rows, "labels": labels,
        "chart": bar_chart(_("三公经费, 万元"), bars),
        "trail": _trail(budget, (_("三公经费"), None))})


def compare(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    rows = list(queries.figures(budget, max_level=2, originals_only=True).values())
    unmapped = queries.with_last_year(budget, rows)
    return render(request, "finance/compare.html", {
        "budget": budget, "rows": rows, "unmapped": unmapped,
        "trail": _trail(budget, (_("This year and last year"), None))})


def download(request: HttpRequest, code: str, year: int, table: str, fmt: str) -> HttpResponse:
    budget = _budget(request, code, year)
    if table not in exports.TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    return exports.table_download(budget, table, fmt)


def datapackage(request: HttpRequest, code: str, year: int) -> HttpResponse:
    budget = _budget(request, code, year)
    if not budget.is_public:
        raise Http404
    return exports.package_zip(budget)


def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx") or kind not in ("budget", "execution"):
        raise Http404
    if kind == "budget":
        return exports.budget_template(fmt)
    return exports.execution_template(fmt)
