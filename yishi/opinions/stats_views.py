"""The public statistics page of the loop (意见办理统计): the district (or one street) for a year
or a month, per street (or per department) and per month, with every figure downloadable —
the table as CSV/Excel, and the records behind it as CSV, so that anyone can recompute the
rates (docs/opinion_stats_check.py)."""

from datetime import date

from django import forms
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core.exports import table_response

from . import stats
from .models import Assignment, AssignmentState, Opinion, OpinionState, overdue_q

FIRST_YEAR = 2000
# The records export: fixed, machine-readable columns (documented in docs/opinions.md).
RECORD_COLUMNS = ["number", "street_code", "street", "category", "department", "received",
                  "replied", "due", "on_time", "reply_workdays", "rating", "overdue_now"]


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False)
    month = forms.TypedChoiceField(label=gettext_lazy("Month"), choices=(), coerce=int,
                                   empty_value=None, required=False)
    street = forms.ChoiceField(label=gettext_lazy("Street"), required=False)

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.streets = {s.code: s for s in streets}
        self.fields["year"].initial = timezone.localdate().year
        self.fields["street"].choices = [("", _("All streets"))] + [
            (s.code, s.display_name) for s in streets]
        self.fields["month"].choices = [("", _("Whole year"))] + [
            (str(m), _("Month %(n)d") % {"n": m}) for m in range(1, 13)]

    def clean_year(self):
        year = self.cleaned_data["year"]
        this_year = timezone.localdate().year
        if year is None:
            return this_year
        if not FIRST_YEAR <= year <= this_year:
            raise forms.ValidationError(
                _("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR,
                                                                   "last": this_year})
        return year

    def period(self) -> tuple[date, date]:
        data = self.cleaned_data if self.is_valid() else {}
        year = data.get("year") or timezone.localdate().year
        month = data.get("month")
        if month:
            following = date(year + month // 12, month % 12 + 1, 1)
            return date(year, month, 1), date.fromordinal(following.toordinal() - 1)
        return date(year, 1, 1), date(year, 12, 31)

    def chosen_street(self):
        return self.streets.get(self.cleaned_data.get("street") or "") if self.is_valid() else None


def statistics(request: HttpRequest) -> HttpResponse:
    """The district per street, or with ?street= one street per department; per month too."""
    from yishi.core.charts import bar_chart

    streets = list(stats.streets())
    form = PeriodForm(request.GET or None, streets=streets)
    if form.is_bound:
        form.is_valid()  # errors are shown; the period falls back to this year
    start, end = form.period()
    street = form.chosen_street()
    fmt = request.GET.get("format")
    if fmt == "records":
        return records_export(start, end, street)
    figures = stats.district_figures(start, end, street=street)
    rows = stats.by_department(street, start, end) if street else figures.streets
    if fmt in ("csv", "xlsx"):
        return _table_export(rows + figures.months + [_total(figures)], fmt)
    titles = (_("Replied on time"), _("Satisfied or basically satisfied"))
    charts = [
        (titles[0], bar_chart(titles[0], [(r.label, r.on_time_rate or 0, r.on_time_percent)
                                          for r in rows], maximum=1)),
        (titles[1], bar_chart(titles[1], [(r.label, r.satisfaction_rate or 0,
                                           r.satisfaction_percent) for r in rows], maximum=1)),
    ]
    return render(request, "opinions/stats.html", {
        "form": form, "rows": rows, "months": figures.months, "total": _total(figures),
        "charts": charts, "street": street, "start": start, "end": end,
        "query": _query(form),
        "trail": [(_("Residents' opinions"), reverse("opinions:board")), (_("Statistics"), None)],
    })


def _total(figures: stats.Figures) -> stats.Row:
    figures.total.label = str(_("Total"))
    return figures.total


def _query(form: PeriodForm) -> str:
    """The valid filters, for the download links."""
    from urllib.parse import urlencode

    if not form.is_bound or not form.is_valid():
        return ""
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    return urlencode(data)


def _table_export(rows, fmt: str) -> HttpResponse:
    header = [str(_("Unit")), str(_("Received")), str(_("Replied")), str(_("On time")),
              str(_("On-time rate")), str(_("Overdue, open")), str(_("Rated")),
              str(_("Satisfied or basically satisfied")), str(_("Satisfaction rate")),
              str(_("Average working days to reply"))]
    data = [[r.label, r.received, r.replied, r.on_time,
             round(r.on_time_rate, 4) if r.on_time_rate is not None else "", r.overdue_open,
             r.rated, r.satisfied,
             round(r.satisfaction_rate, 4) if r.satisfaction_rate is not None else "",
             round(r.average_days, 1) if r.average_days is not None else ""] for r in rows]
    return table_response(header, data, fmt, "opinion-statistics", str(_("Statistics")))


def records_export(start: date, end: date, street=None) -> HttpResponse:
    """One line per opinion behind the figures: no name, phone number, address or text — only
    what the rates are computed from; the opinion's number only when it is public. Times in
    the district's time zone."""
    lead = (Assignment.objects.filter(opinion=OuterRef("pk"), is_lead=True)
            .exclude(state=AssignmentState.TRANSFERRED).values("department__name")[:1])
    rows = (Opinion.objects.filter(stats.period_bounds(start, end))
            .exclude(state=OpinionState.MERGED))
    if street is not None:
        rows = rows.filter(street=street)
    overdue = set(rows.filter(overdue_q(timezone.now())).values_list("pk", flat=True))
    rows = (rows.annotate(department=Subquery(lead)).order_by("created_at", "pk")
            .values_list("pk", "is_public", "number", "street__code", "street__name", "category__name",
                         "department", "created_at", "first_replied_at", "first_reply_due",
                         "reply_workdays", "rating"))

    def when(value):
        return timezone.localtime(value).isoformat(timespec="seconds") if value else ""

    def lines():
        for (pk, public, number, code, name, category, department, received, replied, due,
             days, rating) in rows.iterator(chunk_size=2000):
            on_time = "" if replied is None else int(due is not None and replied <= due)
            # The number only of what the resident made public: the others stay unfindable.
            yield [number if public else "", code, name, category, department or "", when(received),
                   when(replied), when(due), on_time, "" if days is None else days,
                   rating or "", int(pk in overdue)]

    name = f"opinion-records-{start:%Y%m%d}-{end:%Y%m%d}"
    return table_response(RECORD_COLUMNS, lines(), "csv", name)
