"""Demo councils for Xihu's twelve streets and towns: a council each with its first term (about
fifty members, some six hundred across the district, as the seed's 546 in ten streets), this
year's first two meetings in every street and the third held in all streets at once (minutes
published), 西溪's fourth meeting convened for next week, and 一键呼一桌议 in 翠苑 and a
民生圆桌会 in 北山. Deterministic and idempotent: rows are found by natural keys first."""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from yishi.core.demo import demo_name
from yishi.core.models import Role, RoleAssignment, Unit, UnitKind, User

from . import meetings as meetings_svc
from . import minutes as minutes_svc
from .models import (
    ActionState,
    AgendaItem,
    Attendance,
    Call,
    CallState,
    CallSupport,
    Council,
    FollowUpAction,
    ItemKind,
    ItemState,
    Meeting,
    MeetingBatch,
    MeetingState,
    Member,
    MemberCategory,
    Minutes,
    MinutesState,
    MinutesVersion,
    Outcome,
    Participant,
    ParticipantKind,
    Response,
    RoundTable,
    RoundTableAction,
    RoundTableState,
    SignInMode,
    Term,
)

GENERATED_PER_STREET = 40  # plus the ten council members of the core demo: fifty a street
CATEGORY_CYCLE = [MemberCategory.RESIDENT, MemberCategory.COMMUNITY, MemberCategory.RESIDENT,
                  MemberCategory.ENTERPRISE, MemberCategory.COMMUNITY, MemberCategory.EXPERT,
                  MemberCategory.RESIDENT, MemberCategory.DEPUTY]

MEETINGS = [
    ("2026年第一次居民议事会议", datetime(2026, 1, 16, 14, 30), [
        (ItemKind.WORK_REPORT, "2025年街道人大工委工作报告", "街道人大工委"),
        (ItemKind.BUDGET_REVIEW, "2026年街道财政预算草案审查", "街道财政办"),
        (ItemKind.PROJECT_SELECTION, "2026年民生实事项目票选结果确认", "街道人大工委"),
    ]),
    ("2026年第二次居民议事会议", datetime(2026, 5, 22, 14, 30), [
        (ItemKind.BUDGET_REVIEW, "2025年街道财政决算报告", "街道财政办"),
        (ItemKind.MAJOR_MATTER, "老旧小区加装电梯推进方案（重大事项决策）", "街道城建科"),
    ]),
]
THIRD = ("2026年第三次居民议事会议（全区同步召开）", datetime(2026, 9, 18, 9, 30), [
    (ItemKind.WORK_REPORT, "民生实事项目上半年实施情况通报", "街道人大工委"),
    (ItemKind.BUDGET_REVIEW, "2026年上半年街道预算执行情况审查", "街道财政办"),
    (ItemKind.MOTION, "关于加强电动自行车停放和充电管理的议案", "议事会成员联名"),
])


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment)


def load(out) -> None:
    streets = list(Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])
                   .order_by("sort_order"))
    with transaction.atomic():
        councils = [_council(s, street) for s, street in enumerate(streets, start=1)]
        batch = MeetingBatch.objects.filter(title=THIRD[0]).first()
        if batch is None:
            batch = MeetingBatch.objects.create(
                title=THIRD[0], starts_at=_aware(THIRD[1]),
                agenda=[{"kind": k, "title": t, "presenter": p} for k, t, p in THIRD[2]])
        for s, council in enumerate(councils, start=1):
            for n, (title, when, agenda) in enumerate(MEETINGS, start=1):
                _past_meeting(council, s * 10 + n, title, when, agenda)
            _past_meeting(council, s * 10 + 3, THIRD[0], THIRD[1], THIRD[2], batch=batch)
        _calls_and_round_tables(streets)
    _upcoming(councils[1])


def _council(s: int, street: Unit) -> Council:
    council, _created = Council.objects.get_or_create(street=street, defaults={
        "name": f"{street.name}居民议事会",
        # 灵隐 decides major matters with two thirds present, by its own rules.
        "quorum_fraction": "2/3" if street.name.startswith("灵隐") else "1/2",
        "call_threshold": 10, "round_table_days": 15})
    term, _created = Term.objects.get_or_create(council=council, number=1, defaults={
        "starts_on": date(2024, 1, 1), "ends_on": date(2028, 12, 31),
        "roster_published_at": _aware(datetime(2024, 1, 12, 10))})
    communities = list(street.children.order_by("sort_order"))
    core = list(User.objects.filter(mobile__startswith=f"1390004{s:02d}").order_by("mobile"))
    wanted = {f"13650{s:02d}{m:04d}": m for m in range(1, GENERATED_PER_STREET + 1)}
    existing = set(User.objects.filter(mobile__in=wanted).values_list("mobile", flat=True))
    User.objects.bulk_create([
        User(mobile=mobile, name=demo_name(600_000 + s * 1000 + m), password="!",
             home_unit=communities[m % len(communities)], is_demo=True,
             verified_at=timezone.now())
        for mobile, m in wanted.items() if mobile not in existing])
    generated = list(User.objects.filter(mobile__in=wanted).order_by("mobile"))
    people = core + generated
    holding = set(RoleAssignment.objects.filter(
        role=Role.COUNCIL_MEMBER, unit=street, ends_on__isnull=True, user__in=people)
        .values_list("user_id", flat=True))
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=u, role=Role.COUNCIL_MEMBER, unit=street, starts_on=date(2024, 1, 1))
        for u in people if u.pk not in holding])
    roles = dict(RoleAssignment.objects.filter(
        role=Role.COUNCIL_MEMBER, unit=street, ends_on__isnull=True, user__in=people)
        .values_list("user_id", "pk"))
    rng = random.Random(s)
    Member.objects.bulk_create([
        Member(term=term, user=u, category=CATEGORY_CYCLE[i % len(CATEGORY_CYCLE)],
               community=u.home_unit if u.home_unit_id else communities[i % len(communities)],
               birth_date=date(1950 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 28)),
               in_street_since=date(1990 + rng.randrange(30), 1, 1),
               joined_on=date(2024, 1, 1), role_id=roles[u.pk])
        for i, u in enumerate(people)], ignore_conflicts=True)
    return council


def _past_meeting(council: Council, seed: int, title: str, when: datetime, agenda,
                  batch: MeetingBatch | None = None) -> None:
    if Meeting.objects.filter(council=council, title=title).exists():
        return
    street = council.street
    term = council.current_term()
    starts = _aware(when)
    video = (f"https://live.xihu.gov.cn/zhrd/{street.code}/{when:%Y%m%d}"
             if street.name.startswith("西溪") else "")
    meeting = Meeting.objects.create(
        council=council, term=term, batch=batch, title=title, starts_at=starts,
        place=f"{street.name}办事处三楼议事厅", video_url=video, state=MeetingState.CLOSED,
        notice_due_at=starts - timedelta(days=7), notice_sent_at=starts - timedelta(days=7),
        created_at=starts - timedelta(days=10), opened_at=starts,
        closed_at=starts + timedelta(hours=2, minutes=30))
    rng = random.Random(seed)
    members = list(term.members.filter(status="serving").order_by("id"))
    rows = []
    for member in members:
        present = rng.random() < 0.88
        rows.append(Attendance(
            meeting=meeting, member=member,
            response=Response.ATTENDING if present else Response.LEAVE,
            leave_reason="" if present else "因公出差",
            signed_in_at=starts - timedelta(minutes=rng.randrange(5, 30)) if present else None,
            mode=(SignInMode.ONLINE if rng.random() < 0.1 else SignInMode.IN_PERSON)
            if present else ""))
    Attendance.objects.bulk_create(rows)
    present = sum(1 for r in rows if r.signed_in_at)
    for position, (kind, item_title, presenter) in enumerate(agenda, start=1):
        no, abstain = rng.randrange(0, 4), rng.randrange(0, 3)
        yes = present - no - abstain
        passed = yes * 2 > len(members)
        item = AgendaItem.objects.create(
            meeting=meeting, position=position, kind=kind, title=item_title, presenter=presenter,
            video_url=f"{video}/{position}" if video else "",
            votes_yes=yes, votes_no=no, votes_abstain=abstain, votes_cast=yes + no + abstain,
            passed=passed, state=ItemState.RESOLVED, motion=f"审议批准《{item_title}》",
            resolved_at=starts + timedelta(minutes=40 * position))
        if kind in (ItemKind.MAJOR_MATTER, ItemKind.MOTION) and passed:
            FollowUpAction.objects.create(
                item=item, title=f"落实《{item_title}》", owner="街道城建科",
                deadline=(starts + timedelta(days=90)).date(),
                state=ActionState.IN_PROGRESS if when.month > 6 else ActionState.DONE,
                progress="已完成方案论证，进入实施阶段。")
    text = minutes_svc.minutes_from_record(meeting)
    minutes = Minutes.objects.create(
        meeting=meeting, text=text, state=MinutesState.PUBLISHED,
        approved_at=starts + timedelta(days=3), published_at=starts + timedelta(days=4))
    MinutesVersion.objects.create(minutes=minutes, number=1, text=text)


def _residents(street: Unit, count: int) -> list[User]:
    return list(User.objects.filter(
        role_assignments__role=Role.RESIDENT, home_unit__parent=street).order_by("mobile")[:count])


def _calls_and_round_tables(streets: list[Unit]) -> None:
    by_name = {s.name[:2]: s for s in streets}
    cuiyuan, beishan = by_name["翠苑"], by_name["北山"]
    if Call.objects.filter(street=cuiyuan).exists():
        return
    residents = _residents(cuiyuan, 14)
    community = cuiyuan.children.order_by("sort_order").first()
    calls = [
        ("翠苑一区12幢门口人行道被电动车占满，老人出行不便", 12, CallState.CLOSED, 80),
        ("翠苑二区菜场早市噪音扰民，希望调整营业时间", 10, CallState.DUE, 12),
        ("学院路社区公园健身器材老化，建议更换", 4, CallState.OPEN, 5),
    ]
    for description, supports, state, days_ago in calls:
        raised = timezone.now() - timedelta(days=days_ago)
        call = Call.objects.create(
            street=cuiyuan, community=community, raised_by=residents[0], description=description,
            state=state, supports=supports, created_at=raised,
            due_at=raised + timedelta(days=3 + 15) if state != CallState.OPEN else None)
        CallSupport.objects.bulk_create([CallSupport(call=call, user=u, created_at=raised)
                                         for u in residents[:supports]])
        if state == CallState.CLOSED:
            _round_table(cuiyuan, call, "翠苑一区电动车停放整治一桌议", raised + timedelta(days=10),
                         "翠苑一区议事角", residents[:3],
                         "居民、代表、物业和城管科共同商定：划定电动车集中停放区，增设充电桩20个，"
                         "物业每日巡查。", Outcome.PROJECT, "增设充电桩列入2027年民生实事候选项目。")
    _round_table(beishan, None, "北山街道民生圆桌会：西湖景区周边停车难", timezone.now()
                 - timedelta(days=40), "北山街道议事厅", _residents(beishan, 3),
                 "与会各方同意错峰开放机关单位停车场，节假日增设临时停车点。", Outcome.NONE, "")


def _round_table(street, call, title, held_at, place, residents, summary, outcome, outcome_text):
    table = RoundTable.objects.create(
        street=street, call=call, title=title, held_at=held_at, place=place,
        state=RoundTableState.HELD, summary=summary, outcome=outcome, outcome_text=outcome_text)
    deputy = User.objects.filter(role_assignments__role=Role.DEPUTY,
                                 role_assignments__unit=street).order_by("mobile").first()
    member = User.objects.filter(role_assignments__role=Role.COUNCIL_MEMBER,
                                 role_assignments__unit=street).order_by("mobile").first()
    people = [(ParticipantKind.RESIDENT, r) for r in residents] + [
        (ParticipantKind.DEPUTY, deputy), (ParticipantKind.MEMBER, member)]
    for kind, user in people:
        if user is not None:
            Participant.objects.get_or_create(round_table=table, user=user,
                                              defaults={"kind": kind, "name": user.name})
    Participant.objects.create(round_table=table, kind=ParticipantKind.DEPARTMENT,
                               name="街道城建科 王科长")
    RoundTableAction.objects.create(round_table=table, title="制定整改方案并公示",
                                    owner="街道城建科", deadline=(held_at + timedelta(days=30)).date())


def _upcoming(council: Council) -> None:
    """西溪's fourth meeting, next week, convened through the services (notice and all)."""
    title = "2026年第四次居民议事会议"
    if Meeting.objects.filter(council=council, title=title).exists():
        return
    staff = User.objects.get(mobile="13900010201")
    starts = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=10),
                                                  time(14, 30)))
    with transaction.atomic():
        meeting = meetings_svc.create_meeting(staff, council, title=title, starts_at=starts,
                                          place="西溪街道办事处三楼议事厅",
                                          video_url="https://live.xihu.gov.cn/zhrd/xixi/live")
        meetings_svc.add_item(staff, meeting, kind=ItemKind.BUDGET_REVIEW,
                          title="2027年街道财政预算草案审查", presenter="街道财政办")
        meetings_svc.add_item(staff, meeting, kind=ItemKind.PROJECT_SELECTION,
                          title="2027年民生实事候选项目票选", presenter="街道人大工委")
        meetings_svc.convene_meeting(staff, meeting)
