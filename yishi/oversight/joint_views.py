"""Joint supervision's pages (监督联动): the matters a person may read, and a matter with its
participating streets and deputies, shared timeline and linked records. The district and the
staff of a participating street add to the timeline; everyone else only reads, if at all."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.workflow import may

from . import joint
from .joint_models import EntryKind, LinkKind
from .permissions import reader_paths
from .queries import streets as street_units

DATE = forms.DateInput(attrs={"type": "date"})


class MatterForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(label=gettext_lazy("What is supervised"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    streets = forms.ModelMultipleChoiceField(label=gettext_lazy("Streets taking part"),
                                             queryset=street_units(),
                                             widget=forms.CheckboxSelectMultiple)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=EntryKind.choices)
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    text = forms.CharField(label=gettext_lazy("What happened"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=LinkKind.choices)
    reference = forms.CharField(label=gettext_lazy("Number or id"), max_length=40,
                                help_text=gettext_lazy("An opinion's number, or the id of a "
                                                       "project or an assignment."))


class ConcludeForm(forms.Form):
    conclusion = forms.CharField(label=gettext_lazy("Conclusion"), max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}))


def _trail(*rest):
    return [(_("Workspace"), reverse("core:workspace")),
            (_("Joint supervision"), reverse("oversight:joint") if rest else None), *rest]


@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    district = joint.is_district(user)
    rows = joint.matters_for(user)
    if reader_paths(user) == []:
        raise PermissionDenied  # no oversight role at all
    form, status = MatterForm(), 200
    if request.method == "POST":
        if not district:
            raise PermissionDenied
        form = MatterForm(request.POST)
        if form.is_valid():
            try:
                matter = joint.start_matter(user, joint.MatterInput(
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    streets=list(form.cleaned_data["streets"])))
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                return redirect("oversight:joint_matter", pk=matter.pk)
        status = 400
    return render(request, "oversight/joint/list.html", {
        "matters": rows.prefetch_related("streets__street")[:100], "form": form,
        "may_start": district, "trail": _trail()}, status=status)


def _readable(request, pk):
    matter = get_object_or_404(joint.matters_for(request.user), pk=pk)
    return matter


@login_required
def matter_detail(request: HttpRequest, pk: int, *, bound=None, status=200) -> HttpResponse:
    matter = _readable(request, pk)
    links = [(link, joint.resolve(link)) for link in matter.links.all()]
    forms_ = {"entry": EntryForm(initial={"date": timezone.localdate()}), "link": LinkForm(),
              "conclude": ConcludeForm()}
    forms_.update(bound or {})
    return render(request, "oversight/joint/detail.html", {
        "matter": matter, "streets": matter.streets.select_related("street")
        .prefetch_related("deputies"),
        "entries": matter.entries.select_related("street", "author"), "links": links,
        "may_contribute": joint.may_contribute(request.user, matter),
        "may": may(matter, request.user), "forms": forms_,
        "trail": _trail((matter.title, None))}, status=status)


FORMS = {
    "entry": (EntryForm, lambda u, m, d: joint.add_entry(u, m, **d)),
    "link": (LinkForm, lambda u, m, d: joint.link_record(u, m, d["kind"], d["reference"])),
    "conclude": (ConcludeForm, lambda u, m, d: joint.conclude(u, m, d["conclusion"])),
}


@login_required
@require_POST
def matter_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    matter = _readable(request, pk)
    url = reverse("oversight:joint_matter", args=[matter.pk])
    if name == "reopen":
        try:
            joint.reopen(request.user, matter)
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        return redirect(url)
    if name not in FORMS:
        raise Http404
    form_class, handler = FORMS[name]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            handler(request.user, matter, form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(url)
    return matter_detail(request, pk, bound={name: form}, status=400)


urlpatterns = [
    path("joint/", matter_list, name="joint"),
    path("joint/<int:pk>/", matter_detail, name="joint_matter"),
    path("joint/<int:pk>/<slug:name>/", matter_action, name="joint_action"),
]
