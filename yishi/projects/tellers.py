"""The tellers of a project cycle (监票人): the people whose key shares decrypt the cycle's
secret ballots. The cycle's ballot and its satisfaction ballot are both sealed to them (the
voting engine refuses a secret ballot without tellers); the service, the form on the cycle's
management page and its view are here, apart from the cycle's other steps."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.core import audit
from yishi.core.errors import add_form_errors
from yishi.core.models import Role, RoleAssignment, User, ancestor_paths
from yishi.core.permissions import has_perm, require
from yishi.voting.services import MIN_TELLERS

from .models import Cycle

# Who may hold a cycle's key: the council, the deputies and the street committee's staff.
TELLER_ROLES = (Role.COUNCIL_MEMBER, Role.DEPUTY, Role.STREET_STAFF)


class TellersError(ValidationError):
    pass


def eligible_tellers(cycle: Cycle):
    """Active people holding a teller's role in the cycle's unit, a unit under it (a
    community's council member) or above it (a district deputy)."""
    path = cycle.unit.path
    held = (RoleAssignment.objects.active()
            .filter(role__in=TELLER_ROLES, user__is_active=True)
            .filter(unit__path__startswith=path) |
            RoleAssignment.objects.active()
            .filter(role__in=TELLER_ROLES, user__is_active=True,
                    unit__path__in=ancestor_paths(path)))
    return User.objects.filter(pk__in=held.values("user_id")).order_by("name", "mobile")


@transaction.atomic
def set_cycle_tellers(actor, cycle: Cycle, tellers: list[User], threshold: int) -> Cycle:
    """Name the cycle's tellers. Ballots already made keep the tellers they were sealed to;
    the next ballot of the cycle (the vote, then the satisfaction ballot) uses these."""
    require(actor, "projects.manage", cycle.unit)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if len({t.pk for t in tellers}) != len(tellers):
        raise TellersError({"tellers": _("A teller is listed twice.")})
    if len(tellers) < MIN_TELLERS:
        raise TellersError({"tellers": _("Name at least %(n)d tellers.") % {"n": MIN_TELLERS}})
    eligible = set(eligible_tellers(cycle).filter(pk__in=[t.pk for t in tellers])
                   .values_list("pk", flat=True))
    if any(t.pk not in eligible for t in tellers):
        raise TellersError({"tellers": _("Tellers are council members, deputies or street "
                                         "staff of this street.")})
    if not 2 <= threshold <= len(tellers):
        raise TellersError({"threshold": _(
            "The number of tellers needed to count must be between 2 and the number of "
            "tellers (%(n)d).") % {"n": len(tellers)}})
    cycle.tellers.set(tellers)
    Cycle.objects.filter(pk=cycle.pk).update(teller_threshold=threshold)
    cycle.teller_threshold = threshold
    audit.record(actor, "projects.set_tellers", cycle,
                 after={"tellers": [t.pk for t in tellers], "threshold": threshold},
                 unit=cycle.unit)
    return cycle


def sealed_ballot_fields(cycle: Cycle) -> dict:
    """What a secret ballot of the cycle is sealed with; refused until the tellers are named."""
    tellers = list(cycle.tellers.order_by("pk"))
    if len(tellers) < MIN_TELLERS:
        raise TellersError({"tellers": _(
            "Name the cycle's tellers (at least %(n)d) first: its secret ballots are sealed to "
            "their key.") % {"n": MIN_TELLERS}})
    return {"tellers": tellers, "threshold": cycle.teller_threshold}


# --- the form on the cycle's management page ------------------------------------------------

class CycleTellersForm(forms.Form):
    tellers = forms.ModelMultipleChoiceField(
        User.objects.none(), label=gettext_lazy("Tellers"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("At least three: for example a council member, a deputy and a "
                               "member of staff. Each takes one share of a ballot's key when it "
                               "opens and brings it to the count."))
    threshold = forms.IntegerField(
        label=gettext_lazy("Tellers needed to count"), min_value=2, max_value=50, initial=2,
        help_text=gettext_lazy("For example 2 of 3: if fewer come, the ballot cannot be "
                               "counted."))

    def __init__(self, *args, cycle: Cycle, **kwargs):
        kwargs.setdefault("prefix", "tellers")
        kwargs.setdefault("initial", {"tellers": list(cycle.tellers.all()),
                                      "threshold": cycle.teller_threshold})
        super().__init__(*args, **kwargs)
        self.fields["tellers"].queryset = eligible_tellers(cycle)


@require_POST
@login_required
def manage_cycle_tellers(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle.objects.select_related("unit"), pk=pk)
    if not has_perm(request.user, "projects.manage", cycle.unit):
        raise PermissionDenied
    form = CycleTellersForm(request.POST, cycle=cycle)
    if form.is_valid():
        try:
            set_cycle_tellers(request.user, cycle, list(form.cleaned_data["tellers"]),
                              form.cleaned_data["threshold"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The cycle's tellers are saved."))
            return redirect(reverse("projects:manage_cycle", args=[pk]) + "#tellers")
    # Errors beside the fields, with what was ticked kept.
    return render(request, "projects/cycle_tellers.html", {
        "cycle": cycle, "form": form,
        "trail": [(_("Livelihood projects"), reverse("projects:overview")),
                  (_("Manage"), reverse("projects:manage_list")),
                  (cycle.title, reverse("projects:manage_cycle", args=[pk])),
                  (_("Tellers"), None)],
    }, status=400)
