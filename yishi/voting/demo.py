"""Demo ballots for 西溪: last year's livelihood-project ballot (12 candidates → 10, published,
with its board) and this year's participatory budget, open for the council to vote.

Both are sealed with three tellers (street staff, a deputy, a council member), 2 of 3 to
count: last year's was cast, decrypted by two tellers' shares and counted through the same
path as any ballot; this year's shares are taken by the demo and printed with the logins,
since the demo's memory cache is gone when the command ends."""

import random
from decimal import Decimal

from django.utils import timezone

from yishi.core.models import Role, Unit, User

from . import services, tellers
from .models import Ballot
from .services import OptionInput

PUBLISHED = "2026 年西溪街道民生实事项目票选（演示）"
OPEN = "2027 年西溪街道参与式预算（演示）"
CANDIDATES = [
    ("A", "莫干山路 79 号老旧住宅加装电梯", "1800000"),
    ("B", "求是社区居家养老服务中心提升", "650000"),
    ("C", "文三路口袋公园改造", "900000"),
    ("D", "学军社区非机动车充电棚", "320000"),
    ("E", "西溪社区老年食堂", "540000"),
    ("F", "庆丰社区雨污分流改造", "1200000"),
    ("G", "花园新村背街小巷整治", "760000"),
    ("H", "社区儿童友好空间", "280000"),
    ("I", "无障碍坡道与扶手改造", "210000"),
    ("J", "社区体育健身点更新", "350000"),
    ("K", "垃圾分类智能投放点", "300000"),
    ("L", "老旧小区安防监控补盲", "460000"),
]


def load(out) -> None:
    xixi = Unit.objects.get(code="330106002")
    staff = User.objects.get(mobile="13900010201")
    members = list(User.objects.filter(
        role_assignments__role=Role.COUNCIL_MEMBER, role_assignments__unit=xixi,
        role_assignments__ends_on__isnull=True).order_by("mobile"))
    options = [OptionInput(k, t, Decimal(c)) for k, t, c in CANDIDATES]
    ballot_tellers = demo_tellers()
    if not Ballot.objects.filter(title=PUBLISHED).exists():
        ballot = services.create_ballot(
            staff, xixi, title=PUBLISHED, method="choose", max_choices=10, min_support=1,
            roll_roles=Role.COUNCIL_MEMBER, tie_seed="xixi-2026-demo", options=options,
            tellers=ballot_tellers, threshold=2,
            description="居民议事会成员从 12 个候选项目中差额票选 10 个民生实事项目。")
        services.open_ballot(staff, ballot)
        shares = {t: tellers.take_share(t, ballot) for t in ballot_tellers}
        rng = random.Random(2026)
        # The demo member who signs in (13900040201) votes in this year's ballot, not here.
        for member in members[1:]:
            services.cast_vote(member, ballot, {"choices": rng.sample([k for k, *_ in CANDIDATES], 10)})
        services.close_ballot(staff, ballot)
        for teller in ballot_tellers[:2]:
            tellers.bring_share(teller, ballot, shares[teller])
        services.publish_results(staff, ballot)
    if not Ballot.objects.filter(title=OPEN).exists():
        ballot = services.create_ballot(
            staff, xixi, title=OPEN, method="budget", budget=Decimal("5000000"),
            budget_rule="mes-greedy", roll_roles=Role.COUNCIL_MEMBER, tie_seed="xixi-2027-demo",
            options=options, closes_at=timezone.now() + timezone.timedelta(days=365),
            tellers=ballot_tellers, threshold=2,
            description="在 500 万元预算内选择您支持的项目；按等份额法（MES）确定入选项目。")
        services.open_ballot(staff, ballot)
        out.write(f"Tellers' key shares for “{OPEN}” (any 2 of 3 count it after the close; "
                  "enter them on the ballot's teller page):")
        for teller in ballot_tellers:
            out.write(f"  {teller.mobile}: {tellers.take_share(teller, ballot)}")


def demo_tellers() -> list[User]:
    """西溪's tellers: the street's staff member, a deputy and a council member."""
    return [User.objects.get(mobile=m) for m in ("13900010201", "13900030201", "13900040210")]
