"""One-click calls for deliberation (一键呼) and livelihood round tables (民生圆桌会 / 一桌议):
a resident raises a matter with one action, others support it, and at the street's threshold
(or when staff decide) the street must convene a round table within the set number of days."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.models import Role, RoleAssignment, Unit, UnitKind, User
from yishi.core.notifications import notify
from yishi.core.permissions import holds, require
from yishi.core.signals import duty_performed
from yishi.core.workflow import transition
from yishi.moderation.services import submit as hold_for_moderation

from .models import (
    Call,
    CallState,
    CallSupport,
    Council,
    Outcome,
    Participant,
    ParticipantKind,
    RoundTable,
    RoundTableAction,
)
from .workflows import CALL, ROUND_TABLE, CouncilError

MAX_CALL = 500


def _council(street: Unit) -> Council:
    council = Council.objects.filter(street=street).first()
    if council is None:
        raise CouncilError(_("This street has no council yet."))
    return council


def _street_staff(street: Unit):
    return User.objects.filter(
        pk__in=RoleAssignment.objects.active().filter(role=Role.STREET_STAFF, unit=street)
        .values("user_id"))


def _move(actor, call: Call, new_state: str, action: str, **changes) -> bool:
    """Take the call workflow's transition named by the audit action (workflows.CALL); False
    when someone else moved it first."""
    name = action.removeprefix("councils.")
    assert CALL[name].target == new_state, (name, new_state)
    try:
        transition(call, name, actor, workflow=CALL, **changes)
    except CouncilError as exc:
        if exc.code == "conflict":
            return False
        raise
    return True


def _make_due(actor, call: Call, council: Council, by_staff: bool) -> bool:
    moved = _move(actor, call, CallState.DUE, "councils.call_due",
                  due_at=timezone.now() + timedelta(days=council.round_table_days),
                  triggered_by_staff=by_staff)
    if moved:
        notify(_street_staff(call.street),
               lambda: _("A round table is due: %(matter)s") % {"matter": call.description[:60]},
               lambda call=call: _("Convene it by %(date)s.") % {
                   "date": f"{timezone.localtime(call.due_at):%Y-%m-%d}"},
               f"/councils/calls/{call.pk}/")
    return moved


@transaction.atomic
def raise_call(actor, community: Unit, description: str) -> Call:
    """一键呼: a short description and the community; the raiser is its first supporter."""
    if community is None or community.kind != UnitKind.COMMUNITY:
        raise CouncilError({"community": _("Choose a community of the district.")})
    street = community.parent
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to raise a matter."))
    require(actor, "councils.raise_call", community)
    council = _council(street)
    description = (description or "").strip()
    if not description:
        raise CouncilError({"description": _("Describe the matter.")})
    if len(description) > MAX_CALL:
        raise CouncilError({"description": _("Too long: at most %(n)d characters.") % {
            "n": MAX_CALL}})
    call = Call.objects.create(street=street, community=community, raised_by=actor,
                               description=description, supports=1)
    CallSupport.objects.create(call=call, user=actor)
    hold_for_moderation(call, ["description"], street=street, author=actor,
                        url=reverse("councils:call", args=[call.pk]))
    audit.record(actor, "councils.raise_call", call, after={"community": community.code},
                 unit=street)
    if council.call_threshold <= 1:
        _make_due(actor, call, council, by_staff=False)
    return call


def support_call(actor, call: Call) -> Call:
    """Support a call once; the support that reaches the threshold makes the round table due
    (a conditional update, so exactly one concurrent support does it)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to support."))
    require(actor, "councils.raise_call", call.community)
    if call.state != CallState.OPEN and call.state != CallState.DUE:
        raise CouncilError(_("This call has already been taken up."))
    try:
        with transaction.atomic():
            CallSupport.objects.create(call=call, user=actor)
            Call.objects.filter(pk=call.pk).update(supports=F("supports") + 1)
            audit.record(actor, "councils.support_call", call, unit=call.street)
    except IntegrityError:
        raise CouncilError(_("You have already supported this call.")) from None
    call = Call.objects.select_related("street").get(pk=call.pk)
    council = _council(call.street)
    if call.state == CallState.OPEN and call.supports >= council.call_threshold:
        with transaction.atomic():
            _make_due(actor, call, council, by_staff=False)
    return call


@transaction.atomic
def decide_round_table(actor, call: Call) -> Call:
    """Staff decide a round table is needed without waiting for the threshold."""
    require(actor, "councils.manage", call.street)
    if call.state != CallState.OPEN:
        raise CouncilError(_("A round table is already due for this call."))
    if not _make_due(actor, call, _council(call.street), by_staff=True):
        raise CouncilError(_("The call was changed by someone else; please reload."))
    return call


def overdue_calls():
    return Call.objects.filter(state=CallState.DUE, due_at__lt=timezone.now())


def flag_overdue_calls(now=None) -> int:
    """Periodic job: a call whose round table is overdue is flagged once, and the street
    committee and the district are told. The conditional update makes it once across workers."""
    now = now or timezone.now()
    flagged = 0
    for call in Call.objects.filter(state=CallState.DUE, due_at__lt=now,
                                    overdue_flagged_at__isnull=True).select_related("street"):
        with transaction.atomic():
            if not Call.objects.filter(pk=call.pk, overdue_flagged_at__isnull=True).update(
                    overdue_flagged_at=now):
                continue
            audit.record(None, "councils.call_overdue", call, after={"due_at": call.due_at},
                         unit=call.street)
            district = User.objects.filter(pk__in=RoleAssignment.objects.active().filter(
                role=Role.DISTRICT_STAFF).values("user_id"))
            notify(list(_street_staff(call.street)) + list(district),
                   lambda call=call: _("Round table overdue: %(matter)s") % {"matter": call.description[:60]},
                   lambda call=call: _("It was due by %(date)s.") % {
                       "date": f"{timezone.localtime(call.due_at):%Y-%m-%d}"},
                   f"/councils/calls/{call.pk}/")
            flagged += 1
    return flagged


@dataclass
class Person:
    kind: str
    name: str
    user: User | None = None


@transaction.atomic
def convene_round_table(actor, street: Unit, *, title: str, held_at, place: str,
                        participants: list[Person], call: Call | None = None) -> RoundTable:
    require(actor, "councils.manage", street)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the round table a topic.")
    if not (place or "").strip():
        errors["place"] = _("Say where the round table takes place.")
    if held_at is None or held_at <= timezone.now():
        errors["held_at"] = _("A round table must be scheduled in the future.")
    if call is not None and call.street_id != street.pk:
        errors["call"] = _("The call belongs to another street.")
    for p in participants:
        if p.kind not in ParticipantKind.values or not (p.name or "").strip():
            errors["participants"] = _("Each participant needs a name and a role.")
    if errors:
        raise CouncilError(errors)
    table = RoundTable.objects.create(street=street, call=call, title=title.strip(),
                                      held_at=held_at, place=place.strip(), created_by=actor)
    seen = set()
    for p in participants:
        if p.user is not None and p.user.pk in seen:
            continue
        seen.add(getattr(p.user, "pk", None))
        Participant.objects.create(round_table=table, kind=p.kind, name=p.name.strip(),
                                   user=p.user)
    if call is not None:
        if call.state == CallState.OPEN:
            _make_due(actor, call, _council(street), by_staff=True)
        if not _move(actor, call, CallState.SCHEDULED, "councils.call_scheduled"):
            raise CouncilError(_("The call was changed by someone else; please reload."))
    audit.record(actor, "councils.convene_round_table", table,
                 after={"title": table.title, "held_at": held_at.isoformat(),
                        "call": call.pk if call else None}, unit=street)
    invitees = [p.user for p in participants if p.user is not None]
    when = timezone.localtime(held_at)
    notify(invitees, lambda: _("Round table: %(title)s") % {"title": table.title},
           lambda: _("%(when)s at %(place)s") % {"when": f"{when:%Y-%m-%d %H:%M}", "place": table.place},
           f"/councils/round-tables/{table.pk}/")
    return table


@dataclass
class AgreedAction:
    title: str
    owner: str
    deadline: date


@transaction.atomic
def record_round_table(actor, table: RoundTable, *, summary: str, actions: list[AgreedAction],
                       outcome: str = Outcome.NONE, outcome_text: str = "",
                       category=None) -> RoundTable:
    """What the table agreed: summary, actions with owner and deadline, the outcome (an opinion
    in the opinions loop, or a candidate livelihood project), feedback to every supporter."""
    street = table.street
    require(actor, "councils.manage", street)
    errors = {}
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = _("Summarise the discussion.")
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose the outcome.")
    if outcome != Outcome.NONE and not (outcome_text or "").strip():
        errors["outcome_text"] = _("Describe the outcome.")
    if outcome == Outcome.OPINION and category is None:
        errors["category"] = _("Choose the opinion's category.")
    for a in actions:
        if not a.title.strip() or not a.owner.strip() or a.deadline is None:
            errors["actions"] = _("Each agreed action needs what, who and by when.")
    if errors:
        raise CouncilError(errors)
    transition(table, "record_round_table", actor, workflow=ROUND_TABLE, summary=summary,
               outcome=outcome, outcome_text=(outcome_text or "").strip())
    RoundTableAction.objects.bulk_create([
        RoundTableAction(round_table=table, title=a.title.strip(), owner=a.owner.strip(),
                         deadline=a.deadline) for a in actions])
    if outcome == Outcome.OPINION:
        table.opinion = _as_opinion(actor, table, category)
        table.save(update_fields=["opinion"])
    call = table.call
    if call is not None:
        _move(actor, call, CallState.CLOSED, "councils.call_closed")
        supporters = User.objects.filter(pk__in=call.support_rows.values("user_id"))
        notify(supporters, lambda: _("Your call was deliberated: %(title)s") % {"title": table.title},
               summary[:1000], f"/councils/round-tables/{table.pk}/")
    audit.record(actor, "councils.record_round_table", table,
                 after={"outcome": outcome, "actions": len(actions),
                        "opinion": table.opinion.number if table.opinion else None}, unit=street)
    day = timezone.localtime(table.held_at).date()
    deputies = [p.user for p in table.participants.filter(user__isnull=False)
                .select_related("user") if holds(p.user, {Role.DEPUTY})]
    transaction.on_commit(lambda: [duty_performed.send(
        sender=RoundTable, user=u, kind="meeting", date=day, description=table.title,
        source_key=f"councils.roundtable:{table.pk}") for u in deputies])
    return table


def _as_opinion(actor, table: RoundTable, category):
    from yishi.opinions import services as opinions

    call = table.call
    raiser = call.raised_by if call is not None else None
    community = call.community if call is not None else table.street.children.order_by(
        "sort_order").first()
    return opinions.submit_opinion(actor, opinions.Intake(
        title=table.title[:100], text=f"{table.outcome_text}\n\n{table.summary}"[:5000],
        category=category, community=community,
        contact_name=raiser.name if raiser else actor.name,
        contact_mobile=raiser.mobile if raiser else actor.mobile), channel="reception",
        resident=raiser)
