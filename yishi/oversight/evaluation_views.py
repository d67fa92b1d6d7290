"""The evaluation pages (考评激励): the district configures the year's tree, computes, reviews
and publishes, and sees every street ranked with last year beside it; a street sees its own
card and scores itself; deputies read their street's card. Thin: parse, call evaluation.py,
render."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.core.charts import bar_chart
from yishi.core.errors import add_form_errors, error_messages
from yishi.core.permissions import has_perm
from yishi.core.queries import district
from yishi.core.workflow import may

from . import evaluation, queries
from .evaluation_models import EvaluationScheme, Indicator, Measure, ScoringMethod, StreetScore
from .forms import MultipleFileField
from .permissions import is_district, reader_paths


class SchemeForm(forms.Form):
    year = forms.CharField(label=gettext_lazy("Year"), max_length=4)
    copy = forms.BooleanField(label=gettext_lazy("Start from last year's indicator tree"),
                              required=False, initial=True)


class IndicatorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Indicator (指标)"), max_length=120)
    parent = forms.ModelChoiceField(label=gettext_lazy("Under"), queryset=Indicator.objects.none(),
                                    required=False, empty_label=gettext_lazy("(top level)"))
    weight = forms.CharField(label=gettext_lazy("Weight (权重, %)"), max_length=12,
                             help_text=gettext_lazy("Its share of the level it is on; the "
                                                    "weights at each level add up to 100."))
    method = forms.ChoiceField(label=gettext_lazy("Scoring method (计分方法)"), required=False,
                               choices=[("", gettext_lazy("None: a group of sub-indicators"))]
                               + list(ScoringMethod.choices))
    measure = forms.ChoiceField(label=gettext_lazy("Computed from"), required=False,
                                choices=[("", "—")] + list(Measure.choices))
    target = forms.CharField(label=gettext_lazy("Target (目标值)"), max_length=12,
                             required=False)
    note = forms.CharField(label=gettext_lazy("Scoring rule in words"), max_length=300,
                           required=False)

    def __init__(self, scheme, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = scheme.indicators.filter(method="")


class SelfAssessForm(forms.Form):
    score = forms.CharField(label=gettext_lazy("Self-score"), max_length=12)
    note = forms.CharField(label=gettext_lazy("What was done (自评说明)"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label=gettext_lazy("Evidence (files)"), required=False,
                                 help_text=gettext_lazy("JPEG, PNG or WebP images; PDF, Word, "
                                                        "Excel or PowerPoint documents"))


class ReviewForm(forms.Form):
    score = forms.CharField(label=gettext_lazy("Reviewed score"), max_length=12)
    reason = forms.CharField(label=gettext_lazy("Reason for a change"), max_length=2000,
                             required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _trail(*rest):
    return [(_("Workspace"), reverse("core:workspace")),
            (_("Evaluation"), reverse("oversight:evaluation")), *rest]


def _scheme(year) -> EvaluationScheme:
    return get_object_or_404(EvaluationScheme, district=district(), year=year)


def _evaluator(request) -> bool:
    return has_perm(request.user, "oversight.evaluate", district())


def _readable_street(request, code):
    """The street's card is read by the district and that street's staff and deputies; for
    anyone else the street's card does not exist (404)."""
    street = get_object_or_404(queries.streets(), code=code)
    if not has_perm(request.user, "oversight.view", street):
        raise Http404
    return street


def _own_streets(user):
    return [s for s in queries.streets() if has_perm(user, "oversight.view", s)]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if reader_paths(request.user) == []:
        raise PermissionDenied
    schemes = list(EvaluationScheme.objects.filter(district=district()))
    evaluator = _evaluator(request)
    form, status = SchemeForm(initial={"year": (schemes[0].year + 1) if schemes else ""}), 200
    if request.method == "POST":
        if not evaluator:
            raise PermissionDenied
        form = SchemeForm(request.POST)
        if form.is_valid():
            latest = schemes[0] if schemes and form.cleaned_data["copy"] else None
            try:
                scheme = evaluation.create_scheme(request.user, form.cleaned_data["year"],
                                                  copy_from=latest)
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                return redirect("oversight:evaluation_scheme", year=scheme.year)
        status = 400
    return render(request, "oversight/evaluation_index.html", {
        "schemes": schemes, "evaluator": evaluator, "form": form,
        "streets": [] if is_district(request.user) else _own_streets(request.user),
        "trail": _trail()[:-1] + [(_("Evaluation"), None)]}, status=status)


@login_required
def scheme_detail(request: HttpRequest, year: int, *, form=None, status=200) -> HttpResponse:
    scheme = _scheme(year)
    if not _evaluator(request):
        own = _own_streets(request.user)
        if not own:
            raise PermissionDenied
        return redirect("oversight:evaluation_card", year=year, code=own[0].code)
    ranking = evaluation.ranking(scheme) if scheme.computed_at else []
    chart = bar_chart(_("Total score by street"), [
        (row["street"].display_name, float(row["total"]), f"{row['total']}") for row in ranking],
        maximum=100)
    return render(request, "oversight/evaluation_scheme.html", {
        "scheme": scheme, "nodes": evaluation.flat(evaluation.tree(scheme)),
        "problems": evaluation.tree_problems(scheme), "may": may(scheme, request.user),
        "form": form or IndicatorForm(scheme), "ranking": ranking, "chart": chart,
        "configuring": scheme.state == "configuring",
        "can_compute": scheme.state != "published",
        "trail": _trail((scheme.title, None))}, status=status)


@login_required
@require_POST
def scheme_action(request: HttpRequest, year: int, name: str) -> HttpResponse:
    scheme = _scheme(year)
    if not _evaluator(request):
        raise PermissionDenied
    url = reverse("oversight:evaluation_scheme", args=[year])
    if name == "indicator":
        form = IndicatorForm(scheme, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                evaluation.add_indicator(request.user, scheme, evaluation.IndicatorInput(
                    name=d["name"], weight=d["weight"], parent=d["parent"], method=d["method"],
                    measure=d["measure"], target=d["target"], note=d["note"]))
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("The indicator was added."))
                return redirect(url)
        return scheme_detail(request, year, form=form, status=400)
    try:
        if name == "compute":
            count = evaluation.compute(request.user, scheme)
            messages.success(request, _("%(n)s scores were computed.") % {"n": count})
        elif name == "remove":
            indicator = get_object_or_404(scheme.indicators, pk=request.POST.get("indicator"))
            evaluation.remove_indicator(request.user, indicator)
        elif name in evaluation.STEPS:
            evaluation.STEPS[name](request.user, scheme)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect(url)


@login_required
def card(request: HttpRequest, year: int, code: str, *, forms_for=None,
         status=200) -> HttpResponse:
    scheme = _scheme(year)
    street = _readable_street(request, code)
    can_assess = (scheme.state == "assessing"
                  and has_perm(request.user, "oversight.self_assess", street))
    can_review = scheme.state == "reviewing" and _evaluator(request)
    rows = evaluation.card(scheme, street)
    forms_for = forms_for or {}
    for row in rows:
        if row["indicator"].method == ScoringMethod.ASSESSED:
            score = row["score"]
            if can_assess:
                row["form"] = forms_for.get(row["indicator"].pk) or SelfAssessForm(initial={
                    "score": score.self_score if score else "",
                    "note": score.self_note if score else ""})
            elif can_review:
                row["form"] = forms_for.get(row["indicator"].pk) or ReviewForm(initial={
                    "score": (score.reviewed_score if score and score.reviewed_score is not None
                              else score.self_score if score else "")})
    total = sum((r["score"].score for r in rows if r["score"]), start=0)
    return render(request, "oversight/evaluation_card.html", {
        "scheme": scheme, "street": street, "rows": rows, "total": total,
        "can_assess": can_assess, "can_review": can_review,
        "trail": _trail((scheme.title, reverse("oversight:evaluation_scheme", args=[year])),
                        (street.display_name, None))}, status=status)


@login_required
@require_POST
def score_action(request: HttpRequest, year: int, code: str, pk: int,
                 name: str) -> HttpResponse:
    scheme = _scheme(year)
    street = _readable_street(request, code)
    indicator = get_object_or_404(scheme.indicators, pk=pk)
    if name == "assess":
        form = SelfAssessForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                evaluation.self_assess(request.user, indicator, street,
                                       form.cleaned_data["score"], form.cleaned_data["note"],
                                       form.cleaned_data["evidence"])
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Your self-score was saved."))
                return redirect("oversight:evaluation_card", year=year, code=code)
    elif name == "review":
        form = ReviewForm(request.POST)
        row = get_object_or_404(StreetScore, indicator=indicator, street=street)
        if form.is_valid():
            try:
                evaluation.review(request.user, row, form.cleaned_data["score"],
                                  form.cleaned_data["reason"])
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("The review was saved."))
                return redirect("oversight:evaluation_card", year=year, code=code)
    else:
        raise Http404
    return card(request, year, code, forms_for={indicator.pk: form}, status=400)


@login_required
def score_records(request: HttpRequest, year: int, code: str, pk: int) -> HttpResponse:
    scheme = _scheme(year)
    street = _readable_street(request, code)
    indicator = get_object_or_404(scheme.indicators.exclude(measure=""), pk=pk)
    score = StreetScore.objects.filter(indicator=indicator, street=street).first()
    return render(request, "oversight/evaluation_records.html", {
        "scheme": scheme, "street": street, "indicator": indicator, "score": score,
        **evaluation.records(scheme, indicator, street),
        "trail": _trail((scheme.title, reverse("oversight:evaluation_scheme", args=[year])),
                        (street.display_name,
                         reverse("oversight:evaluation_card", args=[year, code])),
                        (indicator.name, None))})
