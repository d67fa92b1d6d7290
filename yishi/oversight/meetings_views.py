"""The bimonthly meetings' pages (双月例会): the list, and a meeting with its agenda, each
street's attendance, the practice materials, decisions and minutes. The district runs them;
streets and deputies read them, and a presenting street adds its materials."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.permissions import has_perm
from yishi.core.queries import district
from yishi.core.workflow import may

from . import meetings, services
from .forms import MultipleFileField
from .meetings_models import AttendanceStatus, BimonthlyMeeting, ItemKind
from .permissions import reader_paths
from .queries import streets as street_units

DATE = forms.DateInput(attrs={"type": "date"})


class MeetingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ItemKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    presenter = forms.ModelChoiceField(label=gettext_lazy("Presenting street"), required=False,
                                       queryset=street_units(),
                                       help_text=gettext_lazy("For an exchange of practice."))


class AttendanceForm(forms.Form):
    street = forms.ModelChoiceField(label=gettext_lazy("Street"), queryset=street_units())
    status = forms.ChoiceField(label=gettext_lazy("Attendance"), choices=AttendanceStatus.choices)
    attendees = forms.CharField(label=gettext_lazy("Who attended"), required=False,
                                max_length=300)


class ResolveForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    resolution = forms.CharField(label=gettext_lazy("Resolution"), max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Decision"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    streets = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Assign it to the streets"), required=False, queryset=street_units(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave empty for a decision that assigns no work."))
    lead = forms.ModelChoiceField(label=gettext_lazy("Lead street"), required=False,
                                  queryset=street_units())
    workdays = forms.IntegerField(label=gettext_lazy("Working days allowed"), required=False,
                                  min_value=1, max_value=services.MAX_WORKDAYS)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=gettext_lazy("Minutes"), max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 8}))


class MaterialsForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    files = MultipleFileField(label=gettext_lazy("Materials (files)"))


def _reader(request):
    if reader_paths(request.user) == []:
        raise PermissionDenied
    return request.user


def _is_district(user) -> bool:
    return has_perm(user, "oversight.assign", district())


def _trail(*rest):
    return [(_("Workspace"), reverse("core:workspace")),
            (_("Bimonthly meetings"), reverse("oversight:meetings") if rest else None), *rest]


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    form, status = MeetingForm(), 200
    if request.method == "POST":
        if not _is_district(user):
            raise PermissionDenied
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                meeting = meetings.schedule_meeting(user, **form.cleaned_data)
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                return redirect("oversight:meeting", pk=meeting.pk)
        status = 400
    return render(request, "oversight/meetings/list.html", {
        "meetings": BimonthlyMeeting.objects.all()[:100], "form": form,
        "may_schedule": _is_district(user), "trail": _trail()}, status=status)


@login_required
def meeting_detail(request: HttpRequest, pk: int, *, bound=None, status=200) -> HttpResponse:
    user = _reader(request)
    meeting = get_object_or_404(BimonthlyMeeting, pk=pk)
    manage = _is_district(user)
    editable = manage and meeting.published_at is None
    items = list(meeting.items.select_related("presenter", "carried_from__meeting",
                                              "carried_to__meeting")
                 .prefetch_related("materials"))
    for item in items:
        item.may_add = meetings.may_add_materials(user, item)
        item.next = getattr(item, "carried_to", None)
    forms_ = {"item": ItemForm(), "attendance": AttendanceForm(), "decision": DecisionForm(),
              "minutes": MinutesForm(initial={"minutes": meeting.minutes}),
              "resolve": None, "materials": None}
    forms_.update(bound or {})
    attendance = {a.street_id: a for a in meeting.attendance.all()}
    return render(request, "oversight/meetings/detail.html", {
        "meeting": meeting, "items": items, "manage": manage, "editable": editable,
        "may": may(meeting, user), "forms": forms_,
        "attendance": [(s, attendance.get(s.pk)) for s in street_units()],
        "decisions": meeting.decisions.select_related("task", "item"),
        "show_minutes": manage or meeting.published_at is not None,
        "trail": _trail((meeting.title, None))}, status=status)


def _decide(user, meeting, d):
    assign = None
    if d["streets"]:
        assign = services.TaskInput(title=d["text"][:200], description=d["text"],
                                    streets=list(d["streets"]), lead=d["lead"],
                                    workdays=d["workdays"])
    return meetings.decide(user, meeting, d["text"], assign=assign)


def _item(meeting, pk):
    item = meeting.items.filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


FORMS = {
    "item": (ItemForm, lambda u, m, d: meetings.add_item(u, m, **d)),
    "attendance": (AttendanceForm, lambda u, m, d: meetings.record_attendance(
        u, m, d["street"], d["status"], d["attendees"])),
    "resolve": (ResolveForm, lambda u, m, d: meetings.resolve_item(
        u, _item(m, d["item"]), d["resolution"])),
    "decision": (DecisionForm, _decide),
    "minutes": (MinutesForm, lambda u, m, d: meetings.write_minutes(u, m, d["minutes"])),
    "materials": (MaterialsForm, lambda u, m, d: meetings.add_materials(
        u, _item(m, d["item"]), d["files"])),
}
STEPS = {"hold": meetings.hold, "publish": meetings.publish}


@login_required
@require_POST
def meeting_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = _reader(request)
    meeting = get_object_or_404(BimonthlyMeeting, pk=pk)
    url = reverse("oversight:meeting", args=[meeting.pk])
    if name in STEPS:
        try:
            STEPS[name](user, meeting)
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        return redirect(url)
    if name not in FORMS:
        raise Http404
    form_class, handler = FORMS[name]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            handler(user, meeting, form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(url)
    return meeting_detail(request, pk, bound={name: form}, status=400)


urlpatterns = [
    path("meetings/", meeting_list, name="meetings"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting"),
    path("meetings/<int:pk>/<slug:name>/", meeting_action, name="meeting_action"),
]
