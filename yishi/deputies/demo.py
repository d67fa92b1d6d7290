"""Demo liaison stations: every street's station and the themed stations the seed names."""

from yishi.core.models import Role, RoleAssignment, Unit, UnitKind

from .models import DeputyLevel, DeputyProfile, LiaisonStation, StationKind

SECTORS = ["社区工作者", "企业负责人", "教育工作者", "医务工作者", "律师", "退休干部"]

THEMED = [
    ("cuiyuan-1", "翠苑", "翠苑一区代表联络站", "Cuiyuan No. 1 Liaison Station",
     "社区治理 · 老旧小区改造", "翠苑一区社区服务中心"),
    ("yunqi-town", "转塘", "云栖小镇代表联络站", "Yunqi Town Liaison Station",
     "数字经济 · 企业服务", "云栖小镇国际会展中心"),
    ("longwu-tea-town", "转塘", "龙坞茶镇代表联络站", "Longwu Tea Town Liaison Station",
     "茶产业 · 乡村振兴", "龙坞茶镇游客中心"),
    ("yichuang-town", "转塘", "艺创小镇代表联络站", "Yichuang Town Liaison Station",
     "文化创意 · 艺术产业", "艺创小镇综合服务中心"),
]


# Approximate map points of the streets' stations and the themed stations (WGS-84).
POINTS = {
    "北山": (30.2590, 120.1420), "西溪": (30.2760, 120.1300), "灵隐": (30.2450, 120.1100),
    "翠苑": (30.2900, 120.1170), "文新": (30.2930, 120.0980), "古荡": (30.2800, 120.1050),
    "转塘": (30.1500, 120.0800), "留下": (30.2550, 120.0600), "蒋村": (30.2800, 120.0650),
    "西湖": (30.2200, 120.1300), "三墩": (30.3300, 120.0900), "双浦": (30.1300, 120.1400),
    "cuiyuan-1": (30.2850, 120.1220), "yunqi-town": (30.1350, 120.0950),
    "longwu-tea-town": (30.1650, 120.0350), "yichuang-town": (30.1550, 120.0900),
}
ACTIVITIES = [
    ("inspection", "调研老旧小区加装电梯推进情况"), ("training", "参加区人大代表履职培训"),
    ("meeting", "列席街道居民议事会议"), ("voter_talk", "向选民述职并听取意见"),
    ("inspection", "视察垃圾分类示范小区"), ("supervision", "督查民生实事项目施工进度"),
    ("inspection", "走访辖区养老服务中心"), ("training", "参加代表小组专题学习"),
]
TOPICS = ["小区停车难", "加装电梯", "垃圾分类", "老年食堂", "道路破损", "噪音扰民", "物业服务"]


def load(out) -> None:
    streets = {u.name[:2]: u for u in Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])}
    for street in streets.values():
        LiaisonStation.objects.update_or_create(
            code=f"station-{street.code}",
            defaults={"unit": street, "kind": StationKind.STREET,
                      "name": f"{street.name}人大代表联络站",
                      "name_en": f"{street.name_en} Deputies' Liaison Station",
                      "address": f"{street.name}办事处一楼", "opening_hours": "周一至周五 9:00–11:30"},
        )
    for code, street_prefix, name, name_en, theme, address in THEMED:
        LiaisonStation.objects.update_or_create(
            code=code,
            defaults={"unit": streets[street_prefix], "kind": StationKind.THEMED, "name": name,
                      "name_en": name_en, "theme": theme, "address": address,
                      "opening_hours": "每月15日 9:00–11:00"},
        )

    # Every demo deputy gets a profile and serves at their street's station; 翠苑 and 转塘's
    # deputies also serve at the themed stations there.
    themed = {code: LiaisonStation.objects.get(code=code) for code, *_rest in THEMED}
    for n, assignment in enumerate(RoleAssignment.objects.filter(role=Role.DEPUTY)
                                   .select_related("user", "unit").order_by("user__mobile")):
        profile, _created = DeputyProfile.objects.get_or_create(user=assignment.user, defaults={
            "level": DeputyLevel.DISTRICT, "term": "第十八届",
            "constituency": f"{assignment.unit.name}第{n % 3 + 1}选区",
            "sector": SECTORS[n % len(SECTORS)]})
        profile.stations.add(LiaisonStation.objects.get(code=f"station-{assignment.unit.code}"))
        if assignment.unit.name.startswith("翠苑"):
            profile.stations.add(themed["cuiyuan-1"])
        if assignment.unit.name.startswith("转塘"):
            profile.stations.add(*[themed[c] for c in ("yunqi-town", "longwu-tea-town",
                                                       "yichuang-town")])

    # Two upcoming receptions at each street station (Monday mornings), one of them online.
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from .models import ReceptionSession

    today = timezone.localdate()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    for station in LiaisonStation.objects.filter(kind=StationKind.STREET):
        if station.sessions.exists():
            continue
        deputies = list(station.deputies.all()[:2])
        if not deputies:
            continue
        for week, mode in ((0, "in_person"), (1, "online")):
            start = timezone.make_aware(datetime.combine(monday + timedelta(weeks=week), time(9)))
            session = ReceptionSession.objects.create(
                station=station, starts_at=start, ends_at=start + timedelta(hours=2), mode=mode)
            session.deputies.set(deputies)

    # The district's points rules (考评积分), from the start of the term.
    from datetime import date as _date
    from decimal import Decimal

    from .models import PointsRule

    for kind, points in (("reception", "2"), ("inspection", "3"), ("suggestion", "3"),
                         ("meeting", "1"), ("training", "1"), ("activity_week", "2"),
                         ("supervision", "2"), ("voter_talk", "3"), ("absence", "-1")):
        PointsRule.objects.get_or_create(kind=kind, valid_from=_date(2022, 1, 1),
                                         defaults={"points": Decimal(points)})

    _load_year(out)


def _load_year(out) -> None:
    """A year at the stations: map points, monthly receptions held with their bookings and
    matters, registered duties (most confirmed, some waiting or returned), an activity week with
    events and participation, and 灵隐's deputies' expert group."""
    from datetime import date, datetime, time, timedelta

    from django.db import transaction
    from django.utils import timezone

    from yishi.core.models import User

    from .models import (
        ActivityState,
        ActivityWeek,
        Booking,
        BookingState,
        DutyActivity,
        ExpertGroup,
        ReceptionSession,
        SessionState,
        WeekEvent,
    )
    from .services import register_automatic_activity

    for station in LiaisonStation.objects.select_related("unit"):
        point = POINTS.get(station.code) or POINTS.get(station.unit.name[:2])
        if point and station.latitude is None:
            station.latitude, station.longitude = point
            station.save(update_fields=["latitude", "longitude"])

    lingyin = Unit.objects.filter(name__startswith="灵隐").first()
    if lingyin and not ExpertGroup.objects.filter(unit=lingyin).exists():
        group = ExpertGroup.objects.create(
            unit=lingyin, name="灵隐街道人大代表专家组", topics="城市建设 · 景区交通 · 文物保护",
            description="由具有专业背景的代表组成，参与民生实事项目论证和监督。")
        group.members.set(DeputyProfile.objects.filter(stations__unit=lingyin).distinct())

    today = timezone.localdate()
    residents = list(User.objects.filter(role_assignments__role=Role.RESIDENT)
                     .select_related("home_unit").order_by("mobile")[:400])
    with transaction.atomic():
        for i, station in enumerate(LiaisonStation.objects.filter(kind=StationKind.STREET)
                                    .select_related("unit").order_by("code")):
            deputies = list(station.deputies.select_related("user").order_by("user__mobile"))
            if not deputies or station.sessions.filter(state=SessionState.HELD).exists():
                continue
            for month in range(1, 13):  # the 15th of each past month, 9–11
                day = _months_back(today, month).replace(day=15)
                start = timezone.make_aware(datetime.combine(day, time(9)))
                session = ReceptionSession.objects.create(
                    station=station, starts_at=start, ends_at=start + timedelta(hours=2),
                    mode="online" if month % 4 == 0 else "in_person", state=SessionState.HELD)
                on_duty = [deputies[month % len(deputies)]]
                session.deputies.set(on_duty)
                for slot in range(1, (i + month) % 3 + 2):
                    resident = residents[(i * 37 + month * 5 + slot) % len(residents)]
                    Booking.objects.get_or_create(session=session, resident=resident, defaults={
                        "slot": slot, "topic": TOPICS[(i + month + slot) % len(TOPICS)],
                        "called_at": start, "served_at": start + timedelta(minutes=20),
                        "state": BookingState.SERVED})
                for profile in on_duty:
                    register_automatic_activity(
                        profile.user, kind="reception", date=day,
                        description=f"在{station.name}接待选民",
                        source_key=f"deputies.session:{session.pk}")

        for n, profile in enumerate(DeputyProfile.objects.select_related("user")
                                    .order_by("user__mobile")):
            if profile.activities.filter(automatic=False).exists():
                continue
            for k, (kind, text) in enumerate(ACTIVITIES[: 4 + n % 5]):
                state = (ActivityState.SUBMITTED if k == 0 and n % 4 == 0 else
                         ActivityState.RETURNED if k == 1 and n % 7 == 0 else
                         ActivityState.CONFIRMED)
                DutyActivity.objects.create(
                    deputy=profile, kind=kind, date=today - timedelta(days=20 + 41 * k + n),
                    description=text, state=state,
                    return_reason="请补充活动照片或签到表" if state == ActivityState.RETURNED else "")

        district = Unit.objects.filter(kind=UnitKind.DISTRICT).first()
        start = date(today.year if today.month > 5 else today.year - 1, 5, 18)
        week, created = ActivityWeek.objects.get_or_create(
            unit=district, starts_on=start,
            defaults={"ends_on": start + timedelta(days=6),
                      "theme": "代表活动周：聚焦民生实事，倾听群众呼声"})
        if created:
            for j, station in enumerate(LiaisonStation.objects.filter(kind=StationKind.STREET)
                                        .order_by("code")):
                event = WeekEvent.objects.create(
                    week=week, station=station, date=start + timedelta(days=j % 5),
                    title=["代表进社区集中接待", "民生实事项目现场督查", "选民座谈会"][j % 3],
                    place=station.address or station.name)
                for profile in station.deputies.all()[:2]:
                    DutyActivity.objects.create(
                        deputy=profile, kind="activity_week", date=event.date, event=event,
                        description=f"{event.title} · {station.name}",
                        state=ActivityState.CONFIRMED)
    out.write(f"Deputies: {DutyActivity.objects.count()} duty activities, "
              f"{ReceptionSession.objects.filter(state=SessionState.HELD).count()} receptions held")


def _months_back(day, months: int):
    month = day.month - 1 - months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)
