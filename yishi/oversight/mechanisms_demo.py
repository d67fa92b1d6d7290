"""Demo bimonthly meetings, joint supervision and support requests for Xihu (made up for the
demo): six meetings in the year, five with published minutes and one planned, with open items
carried over; one matter supervised jointly by two streets; four support requests at different
points. Written in bulk, dated relative to today; loaded once."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yishi.core.models import Role, Unit, UnitKind
from yishi.core.queries import holders
from yishi.core.workdays import deadline_after

from .joint_models import JointEntry, JointLink, JointMatter, JointStreet
from .meetings_models import (
    AgendaItem,
    AttendanceStatus,
    BimonthlyMeeting,
    ItemKind,
    MeetingAttendance,
    MeetingDecision,
    MeetingState,
)
from .models import Assignment, Task
from .support_models import SupportEvent, SupportRequest, SupportState

NUMBERS = ["一", "二", "三", "四", "五", "六"]
TOPICS = ["通报上阶段交办事项办理情况", "研究部署下阶段重点工作", "街道预算审查准备情况",
          "民生实事项目票决进展", "代表联络站接待排班", "年度考评准备"]


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@transaction.atomic
def load(out) -> None:
    if BimonthlyMeeting.objects.exists():
        return
    streets = list(Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])
                   .order_by("sort_order", "code"))
    if len(streets) < 2:
        return
    staff = holders(Role.DISTRICT_STAFF, streets[0].parent).first() if streets[0].parent else None
    today = timezone.localdate()
    _meetings(streets, staff, today)
    _joint(streets, staff, today)
    _support(streets, today)
    out.write(f"Oversight: {BimonthlyMeeting.objects.count()} bimonthly meetings, "
              f"{JointMatter.objects.count()} joint supervision, "
              f"{SupportRequest.objects.count()} support requests")


def _meetings(streets, staff, today) -> None:
    days = [today - timedelta(days=60 * k) for k in (5, 4, 3, 2, 1)] + [today + timedelta(days=10)]
    rows = [BimonthlyMeeting(
        title=f"{today.year}年第{NUMBERS[n]}次街道人大工作双月例会", held_on=day,
        place="区人大常委会三楼会议室",
        state=MeetingState.PUBLISHED if n < 5 else MeetingState.PLANNED,
        minutes=(f"会议听取了各街道工作情况汇报，{streets[n % len(streets)].name}交流了经验做法，"
                 "会议研究了交办事项，未办结事项转入下次例会。（演示纪要）") if n < 5 else "",
        published_at=_at(day + timedelta(days=3)) if n < 5 else None, created_by=staff)
        for n, day in enumerate(days)]
    BimonthlyMeeting.objects.bulk_create(rows)
    rows = list(BimonthlyMeeting.objects.order_by("held_on"))
    items, attendance = [], []
    for n, meeting in enumerate(rows):
        presenter = streets[n % len(streets)]
        items += [
            AgendaItem(meeting=meeting, kind=ItemKind.TOPIC, title=TOPICS[n], order=1,
                       resolution="会议同意" if n < 5 else "",
                       resolved_at=_at(meeting.held_on, 11) if n < 5 else None),
            AgendaItem(meeting=meeting, kind=ItemKind.PRACTICE, presenter=presenter, order=2,
                       title=f"{presenter.name}经验交流",
                       description="介绍议事会运行和意见办理闭环的做法。",
                       resolution="会议肯定" if n < 5 else "",
                       resolved_at=_at(meeting.held_on, 11) if n < 5 else None),
        ]
        if n < 5:
            for s, street in enumerate(streets):
                status = (AttendanceStatus.EXCUSED if (s + n) % 7 == 3 else
                          AttendanceStatus.ABSENT if (s + n) % 11 == 5 else
                          AttendanceStatus.PRESENT)
                attendance.append(MeetingAttendance(
                    meeting=meeting, street=street, status=status,
                    attendees="人大街道工委主任" if status == AttendanceStatus.PRESENT else ""))
    AgendaItem.objects.bulk_create(items)
    MeetingAttendance.objects.bulk_create(attendance)
    # Open items carried over: one from the second meeting (settled at the third) and one from
    # the fifth, which waits on the planned sixth meeting's agenda.
    for source, target, settled in ((1, 2, True), (4, 5, False)):
        open_item = AgendaItem.objects.create(
            meeting=rows[source], kind=ItemKind.TOPIC, order=3,
            title="老旧小区加装电梯议题办理情况", description="部分街道尚未完成摸排，继续跟踪。")
        AgendaItem.objects.create(
            meeting=rows[target], kind=ItemKind.TOPIC, order=3, title=open_item.title,
            description=open_item.description, carried_from=open_item,
            resolution="各街道已完成摸排" if settled else "",
            resolved_at=_at(rows[target].held_on, 11) if settled else None)
    first_task = Task.objects.order_by("issued_at", "id").first()
    decisions = [MeetingDecision(meeting=m, text="各街道按要求推进交办事项，下次例会通报进展。",
                                 decided_at=_at(m.held_on, 11)) for m in rows[:5]]
    if first_task is not None:
        decisions[0].task = first_task
        decisions[0].text = f"交办：{first_task.title}"
    MeetingDecision.objects.bulk_create(decisions)


def _joint(streets, staff, today) -> None:
    from yishi.opinions.queries import received_in

    pair = streets[:2]
    matter = JointMatter.objects.create(
        title=f"{pair[0].name}、{pair[1].name}交界河道整治联合监督",
        description="两街道交界河道反复出现垃圾漂浮和排污投诉，区街两级人大和代表联合监督整治。"
                    "（演示）", started_on=today - timedelta(days=75), created_by=staff)
    JointStreet.objects.bulk_create([JointStreet(matter=matter, street=s) for s in pair])
    for part in matter.streets.select_related("street"):
        part.deputies.add(*holders(Role.DEPUTY, part.street)[:2])
    JointEntry.objects.bulk_create([
        JointEntry(matter=matter, kind="visit", date=today - timedelta(days=70), street=pair[0],
                   text="区人大常委会与两街道代表现场察看河道。", author=staff),
        JointEntry(matter=matter, kind="finding", date=today - timedelta(days=70),
                   street=pair[1], text="发现两处雨污混接排口。", author=staff),
        JointEntry(matter=matter, kind="visit", date=today - timedelta(days=20), street=pair[1],
                   text="回访整改，排口已封堵一处。", author=staff),
    ])
    opinion = received_in(pair[0], today.year).order_by("created_at").first()
    links = [JointLink(matter=matter, kind="opinion", reference=opinion.number)] if opinion else []
    assignment = Assignment.objects.filter(street=pair[1]).order_by("id").first()
    if assignment is not None:
        links.append(JointLink(matter=matter, kind="assignment", reference=str(assignment.pk)))
    JointLink.objects.bulk_create(links)  # the matter stays under supervision (open)


def _support(streets, today) -> None:
    now = timezone.now()
    plans = [  # street index, kind, title, amount, state, days ago
        (0, "funding", "代表联络站设备更新经费", Decimal("36000.00"), SupportState.CLOSED, 90),
        (1, "training", "新任人大街道工委干部业务培训", None, SupportState.ACCEPTED, 12),
        (2, "premises", "居民议事会会议场地协调", None, SupportState.SUBMITTED, 20),
        (3, "staff", "增配专职工作人员", None, SupportState.DECLINED, 40),
    ]
    rows = []
    for index, kind, title, amount, state, ago in plans:
        submitted = now - timedelta(days=ago)
        answered = state in (SupportState.CLOSED,)
        rows.append(SupportRequest(
            street=streets[index % len(streets)], kind=kind, title=title, amount=amount,
            description=f"{title}（演示）", state=state, submitted_at=submitted,
            answer_by=deadline_after(submitted, 10),
            answer="已安排专项经费，分两批拨付。" if answered else "",
            answered_at=submitted + timedelta(days=8) if answered else None,
            reason="编制由区委编办统筹，本年度暂无调整计划。"
            if state == SupportState.DECLINED else "",
            closed_at=submitted + timedelta(days=15)
            if state in (SupportState.CLOSED, SupportState.DECLINED) else None))
    SupportRequest.objects.bulk_create(rows)
    events = []
    for r in SupportRequest.objects.all():
        events.append(SupportEvent(request=r, action="submit", at=r.submitted_at))
        if r.state in (SupportState.ACCEPTED, SupportState.CLOSED):
            events.append(SupportEvent(request=r, action="accept",
                                       at=r.submitted_at + timedelta(days=2)))
        if r.state == SupportState.CLOSED:
            events += [SupportEvent(request=r, action="answer", note=r.answer, at=r.answered_at),
                       SupportEvent(request=r, action="close", at=r.closed_at)]
        if r.state == SupportState.DECLINED:
            events.append(SupportEvent(request=r, action="decline", note=r.reason,
                                       at=r.closed_at))
    SupportEvent.objects.bulk_create(events)
