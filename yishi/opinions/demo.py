"""Demo opinion categories, every street's deadline policy, a year of opinions of all twelve
streets (demo_set/year.py, bulk-written) and a handful of 西溪 opinions made through the
services at different steps of the loop (submitted, assigned, replied, closed with a rating).

The year's size is the setting YISHI_DEMO_OPINIONS_YEAR (`load_demo --opinions-year N`)."""

import time

from django.conf import settings
from django.db import transaction

from yishi.core.models import Unit, UnitKind, User

from . import services
from .models import DeadlinePolicy, Open311Key, Opinion, OpinionCategory
from .routing_model import DEMO_SET

OPEN311_DEMO_KEY = "demo-open311-key"
OPINIONS_YEAR = 4000

CATEGORIES = [
    ("traffic", "道路交通", "Roads and traffic"),
    ("parking", "停车管理", "Parking"),
    ("property", "物业管理", "Property management"),
    ("elevator", "加装电梯", "Adding lifts"),
    ("old-estate", "老旧小区改造", "Old estate renovation"),
    ("waste", "垃圾分类", "Waste sorting"),
    ("sanitation", "环境卫生", "Sanitation"),
    ("noise", "噪音扰民", "Noise"),
    ("greenery", "绿化养护", "Greenery"),
    ("cityscape", "市容市貌", "Cityscape"),
    ("illegal-building", "违章搭建", "Illegal construction"),
    ("water", "供水排水", "Water supply and drainage"),
    ("power-gas", "供电燃气", "Power and gas"),
    ("elderly", "养老服务", "Care for the elderly"),
    ("health", "医疗卫生", "Health"),
    ("education", "教育托育", "Education and childcare"),
    ("food-safety", "食品安全", "Food safety"),
    ("safety", "公共安全", "Public safety and fire"),
    ("community", "社区服务", "Community services"),
    ("sports-culture", "文体设施", "Sports and culture"),
    ("employment", "劳动就业", "Employment"),
    ("social-security", "社会保障", "Social security"),
    ("rental", "房屋租赁", "Housing and rentals"),
    ("market", "市场监管", "Market supervision"),
    ("bus", "公交出行", "Public transport"),
    ("rivers", "河道水体", "Rivers and water bodies"),
]

DEMO = [  # (title, text, category, community index, where it stops)
    ("小区东门路灯不亮", "求是社区东门外三盏路灯已经坏了两周，晚上老人出门很不方便，请尽快修理。",
     "cityscape", 0, "submitted"),
    ("学军社区电动车乱停放", "学军社区 12 幢楼道口经常停满电动车，堵塞消防通道，希望规划充电棚。",
     "parking", 3, "assigned"),
    ("文三路早高峰拥堵", "文三路与学院路口早高峰排队很长，建议优化红绿灯配时。", "traffic", 2,
     "replied"),
    ("垃圾分类点异味大", "西溪社区 5 号垃圾分类点夏天异味很大，希望增加清运频次。", "waste", 1,
     "closed"),
]


@transaction.atomic
def load(out) -> None:
    for position, (code, name, name_en) in enumerate(CATEGORIES):
        OpinionCategory.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position})
    for street in Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]):
        DeadlinePolicy.objects.get_or_create(street=street)
    xixi = Unit.objects.get(code="330106002")
    from .models import RoutingModel
    from .routing_model import demo_model_blob

    if not RoutingModel.objects.exists():
        # Until the district has handled opinions of its own, suggestions come from the demo's
        # labelled set; the daily retraining then learns from real ones.
        with open(DEMO_SET, encoding="utf-8") as handle:
            records = sum(1 for _line in handle) - 1
        RoutingModel.objects.create(blob=demo_model_blob(), records=records)
    Open311Key.objects.get_or_create(
        key_hash=Open311Key.hash(OPEN311_DEMO_KEY),
        defaults={"name": "Demo Open311 client", "street": xixi})
    out.write(f"Open311 API key for 西溪街道: {OPEN311_DEMO_KEY}\n")
    if Opinion.objects.filter(street=xixi, title=DEMO[0][0]).exists():
        return
    year = getattr(settings, "YISHI_DEMO_OPINIONS_YEAR", OPINIONS_YEAR)
    if year:
        from .demo_set.year import load_year

        started = time.perf_counter()
        written = load_year(year)
        out.write("A year of opinions: " + ", ".join(f"{v} {k}" for k, v in written.items())
                  + f" in {time.perf_counter() - started:.1f} s\n")
    staff = User.objects.get(mobile="13900010201")
    handler = User.objects.get(mobile="13900020201")
    communities = list(xixi.children.order_by("sort_order"))
    residents = list(User.objects.filter(home_unit__in=communities, mobile__startswith="1380000")
                     .order_by("mobile"))
    platform = xixi.departments.get(name="便民服务平台")
    for n, (title, text, category, community, stop) in enumerate(DEMO):
        resident = residents[n % len(residents)]
        opinion = services.submit_opinion(resident, services.Intake(
            title=title, text=text, category=OpinionCategory.objects.get(code=category),
            community=communities[community], is_public=True))
        if stop == "submitted":
            continue
        services.accept_opinion(staff, opinion)
        services.assign_opinion(staff, opinion, [platform])
        if stop == "assigned":
            continue
        services.reply_to_opinion(handler, opinion, "已会同相关部门现场查看，已安排整改，预计两周内完成。")
        if stop == "closed":
            services.rate_opinion(resident, opinion, "satisfied", "处理及时，谢谢。")
