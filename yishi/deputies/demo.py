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
