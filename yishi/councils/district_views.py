"""The district's meeting in every street (全区统一会议): convened from one form with a template
agenda of proper controls (a kind from the list and a title per row) and a per-street preview
of each meeting's title and place, rendered here before anything is convened."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yishi.core.errors import add_form_errors
from yishi.core.models import Unit, UnitKind
from yishi.core.permissions import require

from . import district as district_svc
from . import meetings as meetings_svc
from .forms import AgendaFormSet, BatchForm
from .models import MeetingBatch


def _district(request) -> Unit:
    district = Unit.objects.filter(kind=UnitKind.DISTRICT).first()
    if district is None:
        raise Http404
    require(request.user, "councils.convene_district", district)
    return district


@login_required
def batch_new(request: HttpRequest) -> HttpResponse:
    district = _district(request)
    form = BatchForm(request.POST or None)
    agenda = AgendaFormSet(request.POST or None, prefix="agenda")
    preview = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and agenda.is_valid():
            data = form.cleaned_data
            names = {"street_in_title": data["street_in_title"],
                     "street_in_place": data["street_in_place"]}
            if request.POST.get("preview"):
                preview = district_svc.street_meetings(
                    district, title=data["title"], place=data["place"], **names)
                status = 200
            else:
                rows = [district_svc.ItemTemplate(r["kind"], r["title"], r["presenter"])
                        for r in agenda.cleaned_data if r.get("title")]
                try:
                    batch = district_svc.convene_in_every_street(
                        request.user, district, title=data["title"],
                        starts_at=data["starts_at"], place=data["place"], agenda=rows, **names)
                except ValidationError as exc:
                    add_form_errors(form, exc)
                else:
                    messages.success(request, _("Convened in %(n)d streets.") % {
                        "n": batch.meetings.count()})
                    return redirect("councils:batch", pk=batch.pk)
    return render(request, "councils/batch_new.html", {
        "form": form, "agenda": agenda, "preview": preview,
        "trail": [(_("Councils"), reverse("councils:manage")),
                  (_("Convene in every street"), None)],
    }, status=status)


def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The district's side-by-side view of a meeting held in every street."""
    batch = get_object_or_404(MeetingBatch, pk=pk)
    rows = []
    meetings = meetings_svc.with_quorum_counts(batch.meetings.select_related(
        "council__street", "minutes").prefetch_related("items"))
    for meeting in meetings.order_by("council__street__sort_order"):
        items = list(meeting.items.all())
        rows.append({"meeting": meeting, "quorum": meetings_svc.quorum(meeting),
                     "resolved": sum(1 for i in items if i.resolved_at), "items": len(items),
                     "minutes": getattr(meeting, "minutes", None)})
    return render(request, "councils/batch_detail.html", {
        "batch": batch, "rows": rows,
        "trail": [(_("Deliberation councils"), reverse("councils:index")), (batch.title, None)],
    })
