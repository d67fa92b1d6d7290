"""Every state change of an opinion, one function each. Each checks permission, moves the state
with a conditional update (so a transition happens once, however many requests or workers
race), writes the timeline and the audit trail, and notifies the people concerned.

The state graph is declared once in workflows.py (OPINION); every state change goes through
_step(), i.e. the core workflow mechanism."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core import audit
from yishi.core.models import Department, Role, RoleAssignment, Unit, UnitKind, User
from yishi.core.notifications import Text, notify
from yishi.core.permissions import active_roles, has_perm, holds, require
from yishi.core.queries import holders
from yishi.core.workdays import deadline_after
from yishi.core.workflow import transition

from .deadlines import policy_for, rules_for
from .models import (
    ACTOR_LABELS,
    Assignment,
    AssignmentState,
    ExtensionRequest,
    ExtensionState,
    Follow,
    Opinion,
    OpinionCategory,
    OpinionChannel,
    OpinionCounter,
    OpinionState,
    Rating,
    Reply,
    Support,
    TimelineEntry,
)
from .workflows import ASSIGNMENT, EXTENSION, OPINION

S = OpinionState
TIMELINE_LABELS = {
    "submit": gettext_lazy("Submitted"),
    "accept": gettext_lazy("Accepted"),
    "refuse": gettext_lazy("Not accepted"),
    "assign": gettext_lazy("Assigned to a department"),
    "transfer": gettext_lazy("Transferred to another department"),
    "start": gettext_lazy("Handling started"),
    "reply": gettext_lazy("Replied"),
    "rate": gettext_lazy("Rated by the resident"),
    "reopen": gettext_lazy("Reopened for handling again"),
    "escalate": gettext_lazy("Sent for supervision (督办)"),
    "close": gettext_lazy("Closed"),
    "expire_rating": gettext_lazy("Closed: not rated in time"),
    "merge": gettext_lazy("Merged into another opinion"),
    "extension": gettext_lazy("Deadline extended"),
    "overdue": gettext_lazy("Overdue: escalated to the street committee"),
}
MAX_TEXT = 5000


class OpinionError(ValidationError):
    pass


NO_SUCH_NUMBER = gettext_lazy("There is no opinion with this number.")


def reply_deadline(opinion: Opinion, now: datetime, *, second_round: bool = False) -> datetime:
    return rules_for(opinion).reply_deadline(opinion, now, second_round=second_round)


def _step(opinion: Opinion, actor, name: str, note: str = "", *, after=None, **changes) -> str:
    """Take a transition of the opinion's workflow (permission, conditional update, audit) and
    write it on the timeline; return the state it left."""
    before = transition(opinion, name, actor, workflow=OPINION, after=after, **changes)
    TimelineEntry.objects.create(opinion=opinion, action=OPINION[name].action, note=note,
                                 actor_label=_actor_label(actor))
    return before


def _log(opinion: Opinion, actor, action: str, note: str = "", *, before=None, after=None):
    TimelineEntry.objects.create(opinion=opinion, action=action, note=note,
                                 actor_label=_actor_label(actor))
    audit.record(actor, f"opinions.{action}", opinion,
                 before={"state": before} if before else None,
                 after={"state": opinion.state, **(after or {})}, unit=opinion.street,
                 repr_=opinion.number)


def _actor_label(actor) -> str:
    if actor is None:
        return str(ACTOR_LABELS["system"])
    roles = [r for r, _p, _d in active_roles(actor)]
    if Role.DEPARTMENT_HANDLER in roles:
        return str(ACTOR_LABELS["department"])
    if Role.STREET_STAFF in roles or Role.DISTRICT_STAFF in roles:
        return str(ACTOR_LABELS["staff"])
    if Role.DEPUTY in roles:
        return str(ACTOR_LABELS["deputy"])
    return str(ACTOR_LABELS["resident"])


def _clean_text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise OpinionError({field: _("This field is required.")})
    if len(value) > limit:
        raise OpinionError({field: _("Too long: at most %(n)d characters.") % {"n": limit}})
    return value


def _street_staff(street: Unit):
    return holders(Role.STREET_STAFF, street)


def _handlers(department: Department):
    return User.objects.filter(is_active=True, pk__in=RoleAssignment.objects.active().filter(
        role=Role.DEPARTMENT_HANDLER, department=department).values("user_id"))


def _tell_resident(opinion: Opinion, subject: Text, body: Text = "", *,
                   followers: bool = False) -> None:
    """The resident who raised it; with followers=True also those who said "me too"."""
    people = [opinion.author] if opinion.author_id else []
    if followers:
        people += [f.user for f in opinion.followers.select_related("user")]
    if people:
        notify(people, subject, body, f"/opinions/{opinion.number}/")


# --- intake -----------------------------------------------------------------------------------

@dataclass
class Intake:
    title: str
    text: str
    category: OpinionCategory
    community: Unit | None
    address: str = ""
    latitude: object = None
    longitude: object = None
    is_public: bool = False
    contact_name: str = ""
    contact_mobile: str = ""
    street: Unit | None = None  # when only the street is known (Open311 clients)
    photos: list = ()            # uploaded files, checked by the form or the caller
    kept_photos: list = ()       # Attachments stored at an earlier, refused try (keep_photos)


# Xihu District's extent, for a first check of map points.
DISTRICT_BOUNDS = {"lat": (30.05, 30.40), "lng": (119.95, 120.20)}


def _next_number(street: Unit, moment: datetime) -> str:
    """The street's next number for the year, from its counter row; call inside the opinion's
    transaction, so the row stays locked until the opinion holding the number is stored."""
    moment = timezone.localtime(moment)  # the year as the street counts it, not UTC's
    prefix = f"{moment:%Y}{street.code[-3:]}"
    counter, _created = OpinionCounter.objects.get_or_create(
        street=street, year=moment.year, defaults={"last": _last_sequence(prefix)})
    OpinionCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    sequence = OpinionCounter.objects.filter(pk=counter.pk).values_list("last", flat=True).get()
    return f"{prefix}{sequence:05d}"


def _last_sequence(prefix: str) -> int:
    """Numbers given before the street's counter existed (opinions from earlier versions)."""
    last = (Opinion.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    return int(last[len(prefix):]) if last else 0


MAX_PHOTOS = 3


def kept_photos(actor, ids) -> list:
    """The photos of a refused try that may go with this sender's opinion: their own uploads,
    images, not yet part of any opinion. Anything else in `ids` is ignored."""
    from yishi.core.models import Attachment

    if not ids or actor is None or not actor.is_authenticated:
        return []
    return list(Attachment.objects.filter(
        pk__in=list(ids)[:MAX_PHOTOS], uploaded_by=actor, content_type__startswith="image/",
    ).exclude(pk__in=Opinion.photos.through.objects.values("attachment_id")).order_by("pk"))


def keep_photos(actor, files, kept_ids) -> list:
    """A try was refused: store its checked photos now, so the next try need not attach them
    again; returns them with those kept from earlier tries (at most three)."""
    from yishi.core.attachments import store_attachments

    kept = kept_photos(actor, kept_ids)
    if actor is None or not actor.is_authenticated:
        return kept
    room = MAX_PHOTOS - len(kept)
    return kept + store_attachments(actor, files[:room], images_only=True)


@transaction.atomic
def submit_opinion(actor, intake: Intake, *, channel: str = OpinionChannel.WEB,
                   resident: User | None = None) -> Opinion:
    """A resident submits, or a deputy/staff member records one on the resident's behalf."""
    title = _clean_text(intake.title, "title", 100)
    text = _clean_text(intake.text, "text", MAX_TEXT)
    community = intake.community
    authored = channel in (OpinionChannel.WEB, OpinionChannel.SUGGESTION)  # the sender is the author
    if community is None and not authored and intake.street is not None:
        street = intake.street
    elif community is None or community.kind != UnitKind.COMMUNITY:
        raise OpinionError({"community": _("Choose a community of the district.")})
    else:
        street = community.parent
    if (intake.latitude is None) != (intake.longitude is None):
        raise OpinionError({"latitude": _("Give both latitude and longitude, or neither.")})
    if intake.latitude is not None:
        lat, lng = float(intake.latitude), float(intake.longitude)
        if not (DISTRICT_BOUNDS["lat"][0] <= lat <= DISTRICT_BOUNDS["lat"][1]
                and DISTRICT_BOUNDS["lng"][0] <= lng <= DISTRICT_BOUNDS["lng"][1]):
            raise OpinionError({"latitude": _("The map point is outside the district.")})
    if authored:
        if actor is None or not actor.is_authenticated:
            raise PermissionDenied(_("Please sign in to submit an opinion."))
        resident = actor
        contact_name, contact_mobile = actor.name, actor.mobile
    elif channel == OpinionChannel.OPEN311:  # the client's API key has been checked for this street
        contact_name = (intake.contact_name or "").strip()[:64] or str(_("Anonymous"))
        contact_mobile = intake.contact_mobile
    else:
        require(actor, "opinions.record", street)
        contact_name = _clean_text(intake.contact_name, "contact_name", 64)
        contact_mobile = intake.contact_mobile
    uploader = actor if actor is not None and actor.is_authenticated else None
    kept = []
    if intake.photos or intake.kept_photos:
        from yishi.core.attachments import check_uploads, store_attachments

        if uploader is None:
            raise OpinionError({"photos": _("Photos need a signed-in sender.")})
        kept = kept_photos(uploader, [a.pk for a in intake.kept_photos])
        if len(kept) + len(intake.photos) > MAX_PHOTOS:
            raise OpinionError({"photos": _("At most %(n)d photos.") % {"n": MAX_PHOTOS}})
        check_uploads(intake.photos, images_only=True)  # before the number: see clean_upload
    now = timezone.now()
    policy = policy_for(street)
    opinion = Opinion.objects.create(
        number=_next_number(street, now), title=title, text=text,
        category=intake.category, street=street, community=community,
        address=intake.address[:200], latitude=intake.latitude,
        longitude=intake.longitude, is_public=intake.is_public, author=resident,
        contact_name=contact_name, contact_mobile=contact_mobile, channel=channel,
        recorded_by=None if authored else actor, created_at=now,
        accept_deadline=deadline_after(now, policy.accept_days))
    if intake.photos or intake.kept_photos:
        opinion.photos.set(kept + store_attachments(uploader, intake.photos, images_only=True))
    _log(opinion, actor, "submit", after={"channel": channel})
    from yishi.moderation.services import submit as hold_for_moderation

    # Public only once a moderator approved it (docs/moderation.md); the author reads it now.
    hold_for_moderation(opinion, ["title", "text"], street=street, author=resident,
                        url=reverse("opinions:detail", args=[opinion.number]))
    from .search import reindex

    reindex(opinion)  # after the hold: the index holds only what the public may read
    notify(_street_staff(street), lambda: _("New opinion %(number)s") % {"number": opinion.number},
           opinion.title, f"/opinions/manage/{opinion.number}/")
    return opinion


# --- street staff -----------------------------------------------------------------------------

@transaction.atomic
def accept_opinion(actor, opinion: Opinion) -> Opinion:
    require(actor, "opinions.manage", opinion.street)
    _step(opinion, actor, "accept", accepted_at=timezone.now())
    _tell_resident(opinion, lambda: _("Your opinion %(number)s has been accepted")
                   % {"number": opinion.number})
    return opinion


@transaction.atomic
def refuse_opinion(actor, opinion: Opinion, reason: str) -> Opinion:
    """不予受理, with a reason the resident sees (e.g. already in litigation or arbitration)."""
    require(actor, "opinions.manage", opinion.street)
    reason = _clean_text(reason, "reason", 1000)
    _step(opinion, actor, "refuse", reason, after={"reason": reason}, closed_at=timezone.now())
    _tell_resident(opinion, lambda: _("Your opinion %(number)s was not accepted")
                   % {"number": opinion.number}, reason)
    return opinion


@transaction.atomic
def record_not_accepted(recorder, opinion: Opinion, reason: str) -> Opinion:
    """A deputy records a matter that cannot be accepted (e.g. in litigation or arbitration)
    as not accepted straight away, with the reason; only on what they recorded themselves."""
    if opinion.recorded_by_id is None or opinion.recorded_by_id != getattr(recorder, "pk", None):
        raise PermissionDenied(_("Only the person who recorded the opinion can do this."))
    reason = _clean_text(reason, "reason", 1000)
    _step(opinion, recorder, "refuse", reason, after={"reason": reason},
          closed_at=timezone.now())
    _tell_resident(opinion, lambda: _("Your opinion %(number)s was not accepted")
                   % {"number": opinion.number}, reason)
    return opinion


@transaction.atomic
def assign_opinion(actor, opinion: Opinion, departments: list[Department], *,
                   lead: Department | None = None, deadline: datetime | None = None,
                   note: str = "") -> Opinion:
    """交办. One department, or several by explicit choice with one of them leading (主办): the
    lead's reply answers the resident, who rates it; the others assist (协办)."""
    require(actor, "opinions.manage", opinion.street)
    departments = list(dict.fromkeys(departments))
    if not departments:
        raise OpinionError({"departments": _("Choose at least one department.")})
    foreign = [d for d in departments if d.street_id != opinion.street_id]
    if foreign:
        raise OpinionError({"departments": _("A department of another street was chosen.")})
    if lead is None and len(departments) == 1:
        lead = departments[0]
    if lead is None or lead not in departments:
        raise OpinionError({"lead": _("Several departments: choose the one that leads and "
                                      "answers the resident.")})
    now = timezone.now()
    deadline = deadline or reply_deadline(opinion, now)
    if deadline <= now:
        raise OpinionError({"deadline": _("The deadline must be in the future.")})
    departments.sort(key=lambda d: d != lead)  # the lead first, on the timeline too
    _step(opinion, actor, "assign", ", ".join(d.name for d in departments),
          after={"departments": [d.pk for d in departments], "lead": lead.pk,
                 "deadline": deadline.isoformat()},
          reply_deadline=deadline)
    for department in departments:
        Assignment.objects.create(opinion=opinion, department=department, deadline=deadline,
                                  assigned_by=actor, note=note, is_lead=department == lead)
        notify(_handlers(department), lambda: _("Assigned to you: %(number)s")
               % {"number": opinion.number}, opinion.title, f"/opinions/manage/{opinion.number}/")
    return opinion


@transaction.atomic
def merge_opinion(actor, opinion: Opinion, into: Opinion) -> Opinion:
    """Merge a duplicate into another opinion; its resident follows the other one's progress."""
    require(actor, "opinions.manage", opinion.street)
    if not has_perm(actor, "opinions.manage", into.street):
        # Out of the actor's scope reads exactly like a number that does not exist, so the
        # form cannot be used to learn which numbers exist in other streets.
        raise OpinionError(NO_SUCH_NUMBER, code="not_found")
    if into.street_id != opinion.street_id:
        raise OpinionError(_("Merge only into an opinion of the same street."))
    # Both rows locked in one fixed order (by id), so that A→B and B→A racing wait for each
    # other instead of deadlocking; the loser then finds its target merged.
    locked = {o.pk: o for o in Opinion.objects.select_for_update().filter(
        pk__in=[opinion.pk, into.pk]).order_by("pk")}
    into = locked[into.pk]
    if into.pk == opinion.pk or into.state == OpinionState.MERGED:
        raise OpinionError(_("Choose another, open opinion to merge into."))
    _step(opinion, actor, "merge", into.number, after={"into": into.number}, merged_into=into,
          closed_at=timezone.now())
    if opinion.author_id:
        Support.objects.get_or_create(opinion=into, user_id=opinion.author_id)
        Opinion.objects.filter(pk=into.pk).update(
            supports=Support.objects.filter(opinion=into).count())
    _tell_resident(opinion, lambda: _("Your opinion %(number)s was merged with %(other)s")
                   % {"number": opinion.number, "other": into.number},
                   lambda: _("You will be kept informed of its progress."))
    return opinion


# --- departments ------------------------------------------------------------------------------

def _assignment_for(actor, opinion: Opinion) -> Assignment:
    """The live assignment of the actor's department; street staff may act for any."""
    live = opinion.assignments.exclude(state=AssignmentState.TRANSFERRED)
    departments = set(RoleAssignment.objects.active().filter(
        user=actor, role=Role.DEPARTMENT_HANDLER).values_list("department_id", flat=True))
    mine = live.filter(department_id__in=departments).first()
    if mine:
        return mine
    if holds(actor, {Role.STREET_STAFF, Role.DISTRICT_STAFF}, opinion.street):
        first = (live.exclude(state=AssignmentState.REPLIED).order_by("-is_lead", "assigned_at")
                 .first() or live.first())
        if first:
            return first
    raise PermissionDenied(_("This opinion is not assigned to your department."))


@transaction.atomic
def start_handling(actor, opinion: Opinion) -> Opinion:
    assignment = _assignment_for(actor, opinion)
    if assignment.state == AssignmentState.ASSIGNED:
        transition(assignment, "start_assignment", actor, workflow=ASSIGNMENT)
    if opinion.state == OpinionState.ASSIGNED:
        _step(opinion, actor, "start", assignment.department.name)
    return opinion


# An assisting department (协办) may still add its part once the lead has answered.
ASSIST_STATES = {S.ASSIGNED, S.HANDLING, S.REPLIED}


@transaction.atomic
def reply_to_opinion(actor, opinion: Opinion, text: str) -> Reply:
    """A department replies. The lead department's reply is the answer: the opinion is replied
    and the resident may rate it. An assisting department's reply is added to the story."""
    opinion = Opinion.objects.select_for_update().get(pk=opinion.pk)
    assignment = _assignment_for(actor, opinion)
    sources = OPINION["reply"].sources if assignment.is_lead else ASSIST_STATES
    if opinion.state not in sources:
        raise OpinionError(_("This cannot be done while the opinion is “%(state)s”.")
                           % {"state": OpinionState(opinion.state).label}, code="state")
    text = _clean_text(text, "text", MAX_TEXT)
    reply = Reply.objects.create(opinion=opinion, assignment=assignment, author=actor, text=text,
                                 round=opinion.reopen_count + 1)
    if assignment.state != AssignmentState.REPLIED:  # a further reply of the same department
        transition(assignment, "reply_assignment", actor, workflow=ASSIGNMENT)
    from .search import reindex

    reindex(opinion)
    if not assignment.is_lead:  # assisting: the resident waits for the lead's answer
        _log(opinion, actor, "reply", text, after={"department": assignment.department_id})
        return reply
    now = timezone.now()
    _step(opinion, actor, "reply", text, replied_at=now,
          rating_deadline=deadline_after(now, policy_for(opinion.street).rating_days))
    _tell_resident(opinion, lambda: _("Opinion %(number)s has a reply")
                   % {"number": opinion.number}, text, followers=True)
    return reply


@transaction.atomic
def transfer_assignment(actor, opinion: Opinion, to: Department, reason: str) -> Assignment:
    """转办: the department hands the matter to another department of the street, with a
    reason; the deadline stays."""
    assignment = _assignment_for(actor, opinion)
    reason = _clean_text(reason, "reason", 1000)
    if to.street_id != opinion.street_id or to.pk == assignment.department_id:
        raise OpinionError({"department": _("Choose another department of the same street.")})
    if opinion.state not in (OpinionState.ASSIGNED, OpinionState.HANDLING):
        raise OpinionError(_("Only an opinion being handled can be transferred."), code="state")
    transition(assignment, "transfer_assignment", actor, workflow=ASSIGNMENT)
    try:
        with transaction.atomic():
            new = Assignment.objects.create(opinion=opinion, department=to,
                                            deadline=assignment.deadline, assigned_by=actor,
                                            note=reason, is_lead=assignment.is_lead)
    except IntegrityError:
        raise OpinionError({"department": _("That department already has this opinion.")}) from None
    _log(opinion, actor, "transfer", f"{assignment.department.name} → {to.name}: {reason}",
         after={"from": assignment.department_id, "to": to.pk})
    notify(_handlers(to), lambda: _("Transferred to you: %(number)s") % {"number": opinion.number},
           reason, f"/opinions/manage/{opinion.number}/")
    return new


@transaction.atomic
def request_extension(actor, opinion: Opinion, days: int, reason: str) -> ExtensionRequest:
    assignment = _assignment_for(actor, opinion)
    reason = _clean_text(reason, "reason", 1000)
    refused = rules_for(opinion).extension_refused(opinion, assignment, int(days))
    if refused:
        raise OpinionError(refused)
    if assignment.extensions.filter(state=ExtensionState.PENDING).exists():
        raise OpinionError(_("An extension request is already waiting for a decision."))
    request = ExtensionRequest.objects.create(assignment=assignment, days=days, reason=reason,
                                              requested_by=actor)
    audit.record(actor, "opinions.request_extension", opinion, after={"days": days},
                 unit=opinion.street, repr_=opinion.number)
    notify(_street_staff(opinion.street), lambda: _("Extension requested for %(number)s")
           % {"number": opinion.number}, reason, f"/opinions/manage/{opinion.number}/")
    return request


@transaction.atomic
def decide_extension(actor, request: ExtensionRequest, approve: bool) -> ExtensionRequest:
    opinion = request.assignment.opinion
    require(actor, "opinions.manage", opinion.street)
    state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    transition(request, "approve_extension" if approve else "refuse_extension", actor,
               workflow=EXTENSION, decided_by=actor, decided_at=timezone.now())
    if approve:
        from yishi.core.workdays import add_workdays

        local = timezone.localtime(request.assignment.deadline)
        new_day = add_workdays(local.date(), request.days)
        deadline = local.replace(year=new_day.year, month=new_day.month, day=new_day.day)
        Assignment.objects.filter(pk=request.assignment_id).update(deadline=deadline)
        latest = max(opinion.assignments.exclude(state=AssignmentState.TRANSFERRED)
                     .values_list("deadline", flat=True))
        Opinion.objects.filter(pk=opinion.pk).update(reply_deadline=latest,
                                                     overdue_notified_at=None,
                                                     reminder_sent_at=None)
        TimelineEntry.objects.create(opinion=opinion, action="extension",
                                     note=f"+{request.days}", actor_label=_actor_label(actor))
    audit.record(actor, "opinions.decide_extension", request, after={"state": state},
                 unit=opinion.street, repr_=opinion.number)
    notify(User.objects.filter(pk=request.requested_by_id), lambda: _("Extension %(state)s for %(number)s")
           % {"state": ExtensionState(state).label, "number": opinion.number})
    return request


# --- residents --------------------------------------------------------------------------------

@transaction.atomic
def rate_opinion(actor, opinion: Opinion, rating: str, comment: str = "") -> Opinion:
    """The resident rates the reply. Unsatisfied the first time: handled again; the second
    time: sent to the street committee and the responsible deputies for supervision."""
    if opinion.author_id is None or actor is None or actor.pk != opinion.author_id:
        raise PermissionDenied(_("Only the resident who raised the opinion can rate it."))
    opinion.refresh_from_db()
    if rating not in (Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED):
        raise OpinionError({"rating": _("Choose satisfied, basically satisfied or not satisfied.")})
    now = timezone.now()
    note = f"{Rating(rating).label}" + (f": {comment.strip()[:500]}" if comment.strip() else "")
    if rating != Rating.UNSATISFIED:
        _step(opinion, actor, "rate_closed", note, after={"rating": rating}, rating=rating,
              rated_at=now, closed_at=now)
        return opinion
    if opinion.reopen_count == 0:
        _step(opinion, actor, "reopen", note, after={"rating": rating}, rating=rating,
              rated_at=now, replied_at=None, reopen_count=F("reopen_count") + 1,
              rating_deadline=None,
              reply_deadline=reply_deadline(opinion, now, second_round=True),
              overdue_notified_at=None, reminder_sent_at=None)
        for assignment in opinion.assignments.filter(state=AssignmentState.REPLIED):
            transition(assignment, "reopen_assignment", actor, workflow=ASSIGNMENT,
                       deadline=opinion.reply_deadline)
        for assignment in opinion.assignments.exclude(state=AssignmentState.TRANSFERRED):
            notify(_handlers(assignment.department), lambda: _("Not satisfied: handle %(number)s again")
                   % {"number": opinion.number}, comment, f"/opinions/manage/{opinion.number}/")
        return opinion
    _step(opinion, actor, "escalate", note, after={"rating": rating}, rating=rating,
          rated_at=now)
    deputies = holders(Role.DEPUTY, opinion.street)
    notify(list(_street_staff(opinion.street)) + list(deputies),
           lambda: _("Supervision needed (督办): %(number)s") % {"number": opinion.number},
           opinion.title, f"/opinions/manage/{opinion.number}/")
    return opinion


@transaction.atomic
def close_supervised(actor, opinion: Opinion, conclusion: str) -> Opinion:
    require(actor, "opinions.manage", opinion.street)
    conclusion = _clean_text(conclusion, "conclusion", 2000)
    _step(opinion, actor, "close_supervised", conclusion, closed_at=timezone.now())
    _tell_resident(opinion, lambda: _("Opinion %(number)s is closed after supervision")
                   % {"number": opinion.number}, conclusion, followers=True)
    return opinion


def support_opinion(actor, opinion: Opinion) -> int:
    """附议: one "me too" per resident on a public opinion."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("Please sign in."))
    if not opinion.is_public or opinion.state == OpinionState.MERGED:
        raise OpinionError(_("This opinion cannot be supported."))
    if opinion.author_id == actor.pk:
        raise OpinionError(_("You raised this opinion yourself."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                Support.objects.create(opinion=opinion, user=actor)
        except IntegrityError:
            raise OpinionError(_("You already support this opinion.")) from None
        Opinion.objects.filter(pk=opinion.pk).update(supports=F("supports") + 1)
        Follow.objects.get_or_create(opinion=opinion, user=actor)  # "me too" also follows
    opinion.refresh_from_db(fields=["supports"])
    return opinion.supports


def follow_opinion(actor, opinion: Opinion, follow: bool = True) -> bool:
    """关注 / 取消关注 a public opinion; returns whether the person now follows it."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("Please sign in."))
    if not opinion.is_public:
        raise OpinionError(_("Only public opinions can be followed."))
    if follow:
        Follow.objects.get_or_create(opinion=opinion, user=actor)
    else:
        Follow.objects.filter(opinion=opinion, user=actor).delete()
    return follow
