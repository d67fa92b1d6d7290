"""A year of residents' opinions for the demo (一年的选民意见): every street, every channel,
every state and outcome, generated deterministically and written with bulk inserts.

Each opinion's life is simulated step by step on the district's working-day calendar — the
services' own rules (accept within 2 working days, reply within 15 or 3 months for a deputy's
suggestion, rate within 5, reopen once, then 督办) — and stops where "now" cuts it: what the
year has not finished yet is still submitted, being handled, overdue or waiting for a rating.
Then everything the services would have written is written in bulk: the opinions with their
numbers and first-reply figures, assignments, replies, extension requests, the timeline, the
"me too"s and follows, the search words, the street's number counters, and one audit record
per step through the bulk path of the hash chain (audit.record_many).

Streets differ (volume, how often late, how satisfied) and months differ (fewer around the
Spring Festival and National Day, more in summer); the random seed is fixed, and the history
is laid out backwards from the day it is loaded."""

import csv
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.models import CalendarDay, Role, RoleAssignment, Unit, UnitKind, User

from ..deadlines import add_months
from ..models import (
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
from ..routing_model import DEMO_SET

SEED = 2026
S, A, C = OpinionState, AssignmentState, OpinionChannel
CHANNELS = [(C.WEB, 44), (C.RECEPTION, 12), (C.PHONE, 15), (C.LETTER, 5), (C.OPEN311, 14),
            (C.SUGGESTION, 10)]
# Fewer in February (Spring Festival) and October (National Day), more in summer.
MONTH_WEIGHT = {1: .9, 2: .6, 3: 1.0, 4: 1.0, 5: 1.05, 6: 1.15, 7: 1.3, 8: 1.3, 9: 1.1,
                10: .8, 11: 1.0, 12: .95}
SUMMER_CATEGORIES = {"噪音扰民", "供水排水", "绿化养护", "河道水体"}
CATEGORY_ALIASES = {"交通公交": "公交出行", "邻里纠纷": "社区服务"}
REPLIES = [
    "已会同社区和物业现场查看，问题已经整改完毕，后续将加强日常巡查。",
    "经核实情况属实，已安排施工单位在两周内维修，维修期间请注意安全。",
    "已将问题转交相关职能部门，并约定每月通报进展，感谢您的监督。",
    "已组织协调会，与业主代表达成处理方案，具体安排已在小区公告栏公示。",
    "经现场勘查，该处已列入明年改造计划，近期先采取临时措施。",
    "已约谈相关经营主体并责令限期整改，执法队员将不定期复查。",
]
SECOND_REPLIES = [
    "针对您的不满意意见，街道再次召集相关部门现场办公，已追加整改措施并明确完成时间。",
    "已重新核查，补充落实了您提出的要求，并安排专人跟踪回访。",
]
SUPERVISION = "街道人大工委督办后，相关部门已落实整改并向居民当面说明情况。"
REFUSALS = ["该事项已进入诉讼程序，依法不予受理。", "该事项属于民事纠纷，建议通过人民调解解决。"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"


class Calendar:
    """Working days of the year and a half around the demo, looked up by index (the core's
    workdays functions ask the database per call; here thousands of opinions ask)."""

    def __init__(self, start: date, end: date):
        from yishi.core.workdays import _library_workday

        overrides = dict(CalendarDay.objects.filter(date__range=(start, end))
                         .values_list("date", "is_workday"))
        self.start, self.days = start, (end - start).days + 1
        self.work = [overrides.get(start + timedelta(i), None) for i in range(self.days)]
        self.work = [(_library_workday(start + timedelta(i)) if w is None else w)
                     for i, w in enumerate(self.work)]
        self.positions = [i for i, w in enumerate(self.work) if w]
        self.cumulative, total = [], 0
        for w in self.work:
            total += w
            self.cumulative.append(total)

    def add(self, day: date, count: int) -> date:
        """`count` working days after `day` (as core.workdays.add_workdays)."""
        if count == 0:
            return day
        index = bisect_right(self.positions, (day - self.start).days) + count - 1
        return self.start + timedelta(self.positions[index])

    def between(self, start: date, end: date) -> int:
        """As core.workdays.workdays_between."""
        if end <= start:
            return 0
        return self.cumulative[(end - self.start).days] - self.cumulative[(start - self.start).days]

    def deadline(self, moment: datetime, count: int) -> datetime:
        return timezone.make_aware(datetime.combine(
            self.add(timezone.localtime(moment).date(), count), time(23, 59, 59)))


@dataclass
class Step:
    at: datetime
    action: str            # the timeline's and the audit's action
    note: str = ""
    actor: object = None
    before: str | None = None
    after: dict = field(default_factory=dict)
    target: str = "opinion"  # or ("assignment", index) / ("extension", index)


@dataclass
class Story:
    opinion: Opinion
    steps: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    replies: list = field(default_factory=list)     # (assignment index, Reply)
    extensions: list = field(default_factory=list)  # (assignment index, ExtensionRequest)
    merge_into: "Story | None" = None


def _texts() -> dict[str, list[tuple[str, str, str]]]:
    by_category: dict[str, list] = {}
    with open(DEMO_SET, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = CATEGORY_ALIASES.get(row["category"], row["category"])
            by_category.setdefault(name, []).append((row["title"], row["text"],
                                                     row["department"]))
    return by_category


def _choose(rng: random.Random, weighted):
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


class Generator:
    def __init__(self, count: int, now: datetime):
        self.rng = random.Random(SEED)
        self.count, self.now = count, now
        today = timezone.localtime(now).date()
        # Twelve months: from the first of the month eleven months back up to today.
        month = today.year * 12 + today.month - 1 - 11
        self.first_day = date(month // 12, month % 12 + 1, 1)
        self.span = (today - self.first_day).days + 1
        self.calendar = Calendar(self.first_day - timedelta(days=10), today + timedelta(days=400))
        texts = _texts()
        self.categories = [(c, texts[c.name]) for c in OpinionCategory.objects.all()
                           if c.name in texts]
        self.labels = {"staff": _("Street committee"), "department": _("Department"),
                       "resident": _("Resident"), "deputy": _("Deputy"), "system": _("System")}
        self.streets = []
        for s, street in enumerate(Unit.objects.filter(
                kind__in=[UnitKind.STREET, UnitKind.TOWN]).order_by("path"), start=1):
            communities = list(street.children.order_by("sort_order"))
            residents: dict[int, list] = {}
            for user in User.objects.filter(home_unit__in=communities,
                                            mobile__startswith="1380000").order_by("mobile"):
                residents.setdefault(user.home_unit_id, []).append(user)
            deputies = list(User.objects.filter(pk__in=RoleAssignment.objects.active().filter(
                role=Role.DEPUTY, unit=street).values("user_id")).order_by("mobile"))
            self.streets.append({
                "unit": street, "communities": communities, "residents": residents,
                "all_residents": [u for c in communities for u in residents.get(c.pk, [])],
                "deputies": deputies,
                "departments": {d.name: d for d in street.departments.order_by("pk")},
                "staff": User.objects.filter(mobile=f"1390001{s:02d}01").first(),
                "handler": User.objects.filter(mobile=f"1390002{s:02d}01").first(),
                # How the street works: volume, how often a reply comes late, how satisfied.
                "weight": self.rng.uniform(0.5, 1.6),
                "late": self.rng.uniform(0.03, 0.25),
                "satisfied": self.rng.uniform(0.62, 0.93),
            })
        self.day_weights = []
        for i in range(self.span):
            day = self.first_day + timedelta(i)
            self.day_weights.append(MONTH_WEIGHT[day.month] * (0.45 if day.weekday() >= 5 else 1))

    # --- one opinion's life ---------------------------------------------------------------

    def _moment(self, day: date, start_hour=8, end_hour=21) -> datetime:
        minute = self.rng.randrange(start_hour * 60, end_hour * 60)
        return timezone.make_aware(datetime.combine(day, time(minute // 60, minute % 60)))

    def _after(self, moment: datetime, workdays: int, *, hours=(9, 18)) -> datetime:
        day = self.calendar.add(timezone.localtime(moment).date(), workdays)
        later = self._moment(day, *hours)
        return later if later > moment else moment + timedelta(minutes=self.rng.randint(20, 240))

    def story(self, index: int) -> Story:
        rng = self.rng
        street = rng.choices(self.streets, [s["weight"] for s in self.streets])[0]
        day = self.first_day + timedelta(rng.choices(range(self.span), self.day_weights)[0])
        category, texts = rng.choice(self.categories)
        if day.month in (6, 7, 8) and rng.random() < 0.25:
            summer = [c for c in self.categories if c[0].name in SUMMER_CATEGORIES]
            category, texts = rng.choice(summer)
        title, text, department_name = rng.choice(texts)
        channel = _choose(rng, CHANNELS)
        community = rng.choice(street["communities"])
        created = self._moment(day, 7, 23)
        resident = rng.choice(street["residents"].get(community.pk) or street["all_residents"])
        author, recorded_by, contact_name, mobile = None, None, "", ""
        if channel == C.WEB:
            author = resident
        elif channel == C.SUGGESTION:
            author = rng.choice(street["deputies"]) if street["deputies"] else resident
        elif channel in (C.RECEPTION, C.PHONE, C.LETTER):
            recorded_by = (rng.choice(street["deputies"]) if channel == C.RECEPTION
                           and street["deputies"] else street["staff"])
            if rng.random() < 0.5:
                author = resident
        if author is not None:
            contact_name, mobile = author.name, author.mobile
        else:
            contact_name = rng.choice(SURNAMES) + rng.choice(["先生", "女士", "阿姨", "师傅"])
            mobile = f"1700000{index:04d}"[:11] if channel != C.OPEN311 or rng.random() < .6 else ""
        opinion = Opinion(
            title=title[:100], text=text, category=category, street=street["unit"],
            community=None if channel == C.OPEN311 and rng.random() < 0.3 else community,
            is_public=rng.random() < 0.65, author=author, contact_name=contact_name[:64],
            contact_mobile=mobile, channel=channel, recorded_by=recorded_by,
            state=S.SUBMITTED, created_at=created,
            accept_deadline=self.calendar.deadline(created, 2))
        story = Story(opinion)
        submitter = author or recorded_by
        story.steps.append(Step(created, "submit", actor=submitter,
                                after={"state": S.SUBMITTED, "channel": channel}))
        self._handle(story, street, department_name, author)
        return story

    def _handle(self, story: Story, street: dict, department_name: str, author) -> None:
        rng, o, now = self.rng, story.opinion, self.now
        staff, handler = street["staff"], street["handler"]
        late = rng.random() < street["late"]
        accept_at = self._after(o.created_at, rng.choice([0, 1, 1, 2]) + (2 if late and
                                                                             rng.random() < .3 else 0))
        if accept_at > now:
            if o.accept_deadline < now:
                self._overdue(story, o.accept_deadline)
            return
        if rng.random() < 0.04:
            reason = rng.choice(REFUSALS)
            self._move(story, accept_at, "refuse", S.NOT_ACCEPTED, reason, staff, {"reason": reason})
            o.closed_at = accept_at
            return
        self._move(story, accept_at, "accept", S.ACCEPTED, actor=staff)
        o.accepted_at = accept_at
        if rng.random() < 0.03:
            story.merge_into = "pending"  # resolved against an earlier opinion of the street
            return
        assign_at = accept_at + timedelta(minutes=rng.randint(10, 600))
        if assign_at > now:
            return
        departments = street["departments"]
        lead = departments.get(department_name) or departments["便民服务平台"]
        chosen = [lead]
        if rng.random() < 0.15:
            chosen.append(rng.choice([d for d in departments.values() if d != lead]))
        deadline = (add_months(assign_at, 3) if o.channel == C.SUGGESTION
                    else self.calendar.deadline(assign_at, 15))
        o.reply_deadline = deadline
        self._move(story, assign_at, "assign", S.ASSIGNED, ", ".join(d.name for d in chosen),
                   staff, {"departments": [d.pk for d in chosen], "lead": lead.pk,
                           "deadline": deadline.isoformat()})
        for department in chosen:
            story.assignments.append(Assignment(
                department=department, state=A.ASSIGNED, deadline=deadline, assigned_by=staff,
                assigned_at=assign_at, is_lead=department == lead))
        start_at = self._after(assign_at, rng.choice([0, 1, 2]))
        if start_at > now:
            return
        self._assignment_step(story, 0, start_at, "start_assignment", A.HANDLING, handler)
        self._move(story, start_at, "start", S.HANDLING, lead.name, handler)
        # Most replies come well within the deadline; a street's "late" share after it.
        total = self.calendar.between(timezone.localtime(assign_at).date(),
                                      timezone.localtime(deadline).date())
        if rng.random() < 0.08:  # asks for more time, usually granted
            ask_at = self._after(start_at, max(1, total // 2))
            if ask_at <= now:
                days = rng.choice([5, 10, 15])
                granted = rng.random() < 0.85
                request = ExtensionRequest(days=days, reason="需协调多个部门，申请延期办理。",
                                           requested_by=handler, requested_at=ask_at,
                                           state=ExtensionState.APPROVED if granted
                                           else ExtensionState.REFUSED,
                                           decided_by=staff, decided_at=ask_at + timedelta(hours=3))
                story.extensions.append((0, request))
                story.steps.append(Step(ask_at, "request_extension", actor=handler,
                                        after={"days": days}, target="audit"))
                story.steps.append(Step(request.decided_at, "decide_extension", actor=staff,
                                        after={"state": request.state},
                                        target=("extension", len(story.extensions) - 1)))
                if granted:
                    local = timezone.localtime(deadline)
                    new_day = self.calendar.add(local.date(), days)
                    deadline = local.replace(year=new_day.year, month=new_day.month,
                                             day=new_day.day)
                    for assignment in story.assignments:
                        assignment.deadline = deadline
                    o.reply_deadline = deadline
                    story.steps.append(Step(request.decided_at, "extension", f"+{days}", staff,
                                            target="timeline"))
                    total += days
        span = (rng.randint(total + 1, total + 12) if late
                else max(1, min(total, int(rng.triangular(1, total, total * 0.35)))))
        reply_at = self._after(assign_at, span)
        if reply_at > deadline and deadline < now:
            self._overdue(story, deadline)
        for index in range(1, len(story.assignments)):  # the assisting department first
            assist_at = reply_at - timedelta(hours=rng.randint(2, 30))
            if assist_at <= now and assist_at > start_at:
                self._reply(story, index, assist_at, rng.choice(REPLIES), handler, lead=False)
        if reply_at > now:
            return
        self._reply(story, 0, reply_at, rng.choice(REPLIES), handler, lead=True)
        self._rate(story, street, author, reply_at)

    def _rate(self, story: Story, street: dict, author, reply_at: datetime) -> None:
        rng, o, now = self.rng, story.opinion, self.now
        o.rating_deadline = self.calendar.deadline(reply_at, 5)
        rates = author is not None and rng.random() < 0.8
        if not rates:
            if o.rating_deadline < now:
                self._move(story, o.rating_deadline, "expire_rating", S.CLOSED, actor=None)
                o.rating, o.closed_at = Rating.NOT_RATED, o.rating_deadline
            return
        rated_at = self._after(reply_at, rng.choice([0, 1, 1, 2, 3]))
        if rated_at > now or rated_at > o.rating_deadline:
            if o.rating_deadline < now:
                self._move(story, o.rating_deadline, "expire_rating", S.CLOSED, actor=None)
                o.rating, o.closed_at = Rating.NOT_RATED, o.rating_deadline
            return
        # Handled again after a first "not satisfied", fewer are satisfied the second time.
        satisfied = street["satisfied"] - (0.25 if o.reopen_count else 0)
        roll = rng.random()
        rating = (Rating.SATISFIED if roll < satisfied * 0.7 else Rating.BASICALLY
                  if roll < satisfied else Rating.UNSATISFIED)
        note = str(Rating(rating).label)
        o.rating, o.rated_at = rating, rated_at
        if rating != Rating.UNSATISFIED:
            self._move(story, rated_at, "rate", S.CLOSED, note, author, {"rating": rating})
            o.closed_at = rated_at
            return
        handler = street["handler"]
        if o.reopen_count == 0:
            o.reopen_count, o.replied_at, o.rating_deadline = 1, None, None
            o.reply_deadline = (add_months(rated_at, 1) if o.channel == C.SUGGESTION
                                else self.calendar.deadline(rated_at, 15))
            self._move(story, rated_at, "reopen", S.HANDLING, note, author, {"rating": rating})
            for index, assignment in enumerate(story.assignments):
                if assignment.state == A.REPLIED:
                    assignment.deadline = o.reply_deadline
                    self._assignment_step(story, index, rated_at, "reopen_assignment",
                                          A.HANDLING, author)
            again = self._after(rated_at, rng.randint(2, 12))
            if again > now:
                return
            self._reply(story, 0, again, rng.choice(SECOND_REPLIES), handler, lead=True)
            self._rate(story, street, author, again)
            return
        self._move(story, rated_at, "escalate", S.ESCALATED, note, author, {"rating": rating})
        closed_at = self._after(rated_at, rng.randint(5, 20))
        if closed_at <= now and rng.random() < 0.8:
            self._move(story, closed_at, "close", S.CLOSED, SUPERVISION, street["staff"])
            o.closed_at = closed_at

    # --- what the services would write ----------------------------------------------------

    def _move(self, story: Story, at, action, target, note="", actor=None, after=None):
        story.steps.append(Step(at, action, note, actor, story.opinion.state,
                                {"state": target, **(after or {})}))
        story.opinion.state = target

    def _overdue(self, story: Story, deadline: datetime) -> None:
        """The worker's escalation to the street committee, once (tasks._escalate_overdue)."""
        story.opinion.overdue_notified_at = at = deadline + timedelta(minutes=5)
        story.steps.append(Step(at, "overdue", after=None, target="overdue"))

    def _assignment_step(self, story, index, at, action, target, actor):
        assignment = story.assignments[index]
        story.steps.append(Step(at, action, actor=actor, before=assignment.state,
                                after={"state": target}, target=("assignment", index)))
        assignment.state = target

    def _reply(self, story: Story, index: int, at: datetime, text: str, actor, *, lead: bool):
        o, assignment = story.opinion, story.assignments[index]
        story.replies.append((index, Reply(text=text, author=actor, round=o.reopen_count + 1,
                                           created_at=at)))
        if assignment.state != A.REPLIED:
            self._assignment_step(story, index, at, "reply_assignment", A.REPLIED, actor)
        if assignment.first_replied_at is None:
            assignment.first_replied_at, assignment.first_reply_due = at, assignment.deadline
            assignment.reply_workdays = self._workdays(o.created_at, at)
        if not lead:
            story.steps.append(Step(at, "reply", text, actor, None,
                                    {"state": o.state, "department": assignment.department_id}))
            return
        self._move(story, at, "reply", S.REPLIED, text, actor)
        o.replied_at = at
        if o.first_replied_at is None:
            o.first_replied_at, o.first_reply_due = at, o.reply_deadline
            o.reply_workdays = self._workdays(o.created_at, at)

    def _workdays(self, start: datetime, end: datetime) -> int:
        return self.calendar.between(timezone.localtime(start).date(),
                                     timezone.localtime(end).date())

    # --- writing it all -------------------------------------------------------------------

    def generate(self) -> list[Story]:
        stories = sorted((self.story(i) for i in range(self.count)),
                         key=lambda story: story.opinion.created_at)
        # Numbers continue each street's counter for the year (a year loaded on top of
        # opinions already there, as a test does, does not collide with them).
        last: dict[tuple[int, int], int] = {
            (street_id, year): n for street_id, year, n in
            OpinionCounter.objects.values_list("street_id", "year", "last")}
        for story in stories:
            o = story.opinion
            local = timezone.localtime(o.created_at)
            key = (o.street_id, local.year)
            last[key] = last.get(key, 0) + 1
            o.number = f"{local:%Y}{o.street.code[-3:]}{last[key]:05d}"
        self.last_numbers = last
        self._merge(stories)
        self._supports(stories)
        return stories

    def _merge(self, stories: list[Story]) -> None:
        """A duplicate is merged into an earlier, open-or-handled opinion of its street."""
        by_street: dict[int, list[Story]] = {}
        for story in stories:
            o = story.opinion
            if story.merge_into == "pending":
                earlier = [s for s in by_street.get(o.street_id, [])[-40:]
                           if s.opinion.state != S.MERGED]
                same = [s for s in earlier if s.opinion.category_id == o.category_id]
                target = (same or earlier or [None])[-1]
                if target is None:
                    story.merge_into = None
                else:
                    story.merge_into = target
                    at = o.accepted_at + timedelta(minutes=self.rng.randint(10, 300))
                    street = next(s for s in self.streets if s["unit"].pk == o.street_id)
                    self._move(story, min(at, self.now), "merge", S.MERGED,
                               target.opinion.number, street["staff"],
                               {"into": target.opinion.number})
                    o.closed_at = min(at, self.now)
            by_street.setdefault(o.street_id, []).append(story)

    def _supports(self, stories: list[Story]) -> None:
        """附议 and 关注 on public opinions: most get none, a few many."""
        rng = self.rng
        people = {s["unit"].pk: s["all_residents"] for s in self.streets}
        self.supports, self.follows = [], []
        extra: dict[int, set] = {}
        for story in stories:
            if isinstance(story.merge_into, Story) and story.opinion.author_id:
                extra.setdefault(id(story.merge_into), set()).add(story.opinion.author)
        for story in stories:
            o = story.opinion
            supporters = set(extra.get(id(story), ()))
            if o.is_public and o.state != S.MERGED:
                pool = [u for u in people[o.street_id] if u.pk != o.author_id]
                wanted = min(len(pool), int(rng.paretovariate(1.3)) - 1)
                supporters |= set(rng.sample(pool, wanted)) if wanted > 0 else set()
            supporters.discard(o.author)
            o.supports = len(supporters)
            followers = set(supporters)
            if o.is_public and o.state != S.MERGED and rng.random() < 0.2:
                followers.add(rng.choice(people[o.street_id]))
            followers.discard(o.author)
            for user in sorted(supporters, key=lambda u: u.pk):
                at = min(self.now, o.created_at + timedelta(hours=rng.randint(1, 24 * 20)))
                self.supports.append(Support(opinion=o, user=user, created_at=at))
            for user in sorted(followers, key=lambda u: u.pk):
                at = min(self.now, o.created_at + timedelta(hours=rng.randint(1, 24 * 20)))
                self.follows.append(Follow(opinion=o, user=user, created_at=at))

    def _label(self, actor) -> str:
        if actor is None:
            return self.labels["system"]
        for street in self.streets:
            if street["staff"] is not None and actor.pk == street["staff"].pk:
                return self.labels["staff"]
            if street["handler"] is not None and actor.pk == street["handler"].pk:
                return self.labels["department"]
            if any(actor.pk == d.pk for d in street["deputies"]):
                return self.labels["deputy"]
        return self.labels["resident"]

    def write(self, stories: list[Story]) -> dict:
        from yishi.moderation.text import mask

        from ..search import words

        cache: dict[str, list[str]] = {}

        def cut(text: str) -> list[str]:
            if text not in cache:
                cache[text] = words(text)
            return cache[text]

        for story in stories:
            o = story.opinion
            # No moderation item (bulk history): the public reads, and search matches, the
            # texts masked (moderation.queries.searchable).
            o.search_tokens = " ".join(cut(f"{mask(o.title)} {mask(o.text)}")
                                       + [w for _i, r in story.replies for w in cut(r.text)])
        Opinion.objects.bulk_create([s.opinion for s in stories], batch_size=500)
        merged = [s for s in stories if isinstance(s.merge_into, Story)]
        for story in merged:
            story.opinion.merged_into = story.merge_into.opinion
        Opinion.objects.bulk_update([s.opinion for s in merged], ["merged_into"], batch_size=500)
        assignments = []
        for story in stories:
            for assignment in story.assignments:
                assignment.opinion = story.opinion
                assignments.append(assignment)
        Assignment.objects.bulk_create(assignments, batch_size=500)
        replies, extensions, timeline, entries = [], [], [], []
        for story in stories:
            for index, reply in story.replies:
                reply.opinion, reply.assignment = story.opinion, story.assignments[index]
                replies.append(reply)
            for index, request in story.extensions:
                request.assignment = story.assignments[index]
                extensions.append(request)
        Reply.objects.bulk_create(replies, batch_size=500)
        ExtensionRequest.objects.bulk_create(extensions, batch_size=500)
        audit.insert_rows(Support, [{"opinion": s.opinion.pk, "user": s.user.pk,
                                     "created_at": s.created_at} for s in self.supports])
        audit.insert_rows(Follow, [{"opinion": f.opinion.pk, "user": f.user.pk,
                                    "created_at": f.created_at} for f in self.follows])
        for story in stories:
            o = story.opinion
            for step in story.steps:
                if step.target in ("opinion", "timeline", "overdue"):
                    timeline.append({"opinion": o.pk, "action": step.action,
                                     "note": step.note, "actor_label": self._label(step.actor),
                                     "created_at": step.at})
                if step.target == "timeline":
                    continue
                obj_type, obj_id = "opinions.Opinion", o.pk
                if isinstance(step.target, tuple):
                    kind, index = step.target
                    if kind == "assignment":
                        obj_type, obj_id = "opinions.Assignment", story.assignments[index].pk
                    else:
                        obj_type, obj_id = ("opinions.ExtensionRequest",
                                            story.extensions[index][1].pk)
                entries.append(audit.Entry(
                    action=f"opinions.{step.action}", object_type=obj_type, object_id=obj_id,
                    object_repr=o.number, created_at=step.at, actor=step.actor,
                    unit_path=o.street.path,
                    before={"state": step.before} if step.before else None,
                    after=step.after or None))
        audit.insert_rows(TimelineEntry, timeline)
        entries.sort(key=lambda e: e.created_at)
        audit.record_many(entries)
        for (street_id, year), last in self.last_numbers.items():
            OpinionCounter.objects.update_or_create(street_id=street_id, year=year,
                                                    defaults={"last": last})
        return {"opinions": len(stories), "assignments": len(assignments),
                "replies": len(replies), "timeline": len(timeline), "audit": len(entries),
                "supports": len(self.supports), "follows": len(self.follows)}


def load_year(count: int, now: datetime | None = None) -> dict:
    """Generate and write `count` opinions received over the year up to `now`; call inside
    the demo's transaction."""
    generator = Generator(count, now or timezone.now())
    return generator.write(generator.generate())
