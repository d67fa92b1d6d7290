"""Demo liaison stations: every street's station and the themed stations the seed names."""

from yishi.core.models import Unit, UnitKind

from .models import LiaisonStation, StationKind

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
