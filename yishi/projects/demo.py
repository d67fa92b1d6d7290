"""A realistic year of livelihood projects for every street and town of Xihu: seven proposals
each (one not adopted), the candidates voted on by the street's council in the voting engine,
and each street at a stage — two towns still on public notice, one street voting, most
implementing, three with acceptance and satisfaction results. 北山街道's list includes the
elevator at 莫干山路79号 with its tender drafted with residents.

Idempotent: a street whose cycle for the year exists is left alone. Deterministic: the same
projects, votes and scores every time (dates follow the day the demo is loaded, so each street
is at its stage)."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yishi.core.models import Role, RoleAssignment, Unit, UnitKind, User
from yishi.voting import services as voting
from yishi.voting import tellers

from . import services, tender
from .models import (
    PHASE_ORDER,
    BallotMethod,
    Category,
    Cycle,
    Event,
    Milestone,
    Objection,
    Phase,
    PhaseKind,
    ProgressReport,
    Project,
    ProjectState,
    ProposerKind,
    PublishedVersion,
    Spending,
    VoterKind,
)
from .tellers import sealed_ballot_fields

CATEGORIES = [
    ("old-estate", "老旧小区改造", "Old estate renovation", False, ""),
    ("elevator", "加装电梯", "Adding lifts", False, ""),
    ("elderly", "养老助餐", "Care and meals for the elderly", False, ""),
    ("childcare", "托育服务", "Childcare", False, ""),
    ("traffic", "道路交通", "Roads and traffic", False, ""),
    ("parking", "停车设施", "Parking", False, ""),
    ("culture", "文体设施", "Sports and culture", False, ""),
    ("environment", "环境整治", "Environment", False, ""),
    ("services", "便民服务", "Everyday services", False, ""),
    ("safety", "公共安全", "Public safety", False, ""),
    ("higher-level", "上级事权项目", "Matters for a higher level", True,
     "属于市、区级事权的项目由上级统筹，不纳入街道民生实事征集"),
    ("debt", "举债建设项目", "Projects adding public debt", True,
     "会新增政府隐性债务的项目不纳入民生实事征集"),
]

# (title pattern, category, cost in yuan, beneficiaries, description)
IDEAS = [
    ("{c}老年食堂", "elderly", 380000, "辖区 60 岁以上老人约 800 人",
     "利用社区用房改建老年食堂，提供助餐、送餐服务，解决独居老人吃饭难。"),
    ("{c}加装电梯（第一批）", "elevator", 650000, "4 幢老旧住宅约 96 户",
     "对无电梯的多层住宅加装电梯，方便老人和行动不便的居民上下楼。"),
    ("{c}口袋公园", "culture", 450000, "周边居民约 3000 人",
     "将闲置边角地改造成口袋公园，增设座椅、健身器材和夜间照明。"),
    ("{c}非机动车充电棚", "safety", 180000, "小区居民约 600 户",
     "建设集中充电棚并配备智能断电装置，杜绝电动车入户充电的消防隐患。"),
    ("{c}雨污分流改造", "old-estate", 720000, "小区居民约 450 户",
     "对老旧管网进行雨污分流改造，解决雨季积水和污水外溢。"),
    ("{c}婴幼儿托育点", "childcare", 300000, "3 岁以下婴幼儿家庭约 200 户",
     "在社区服务中心设立普惠托育点，提供临时托、半日托服务。"),
    ("{c}背街小巷路面整修", "traffic", 260000, "沿线居民和商户",
     "对破损的背街小巷路面进行整修，增设无障碍坡道和盲道。"),
    ("{c}错时共享停车场", "parking", 220000, "周边居民约 400 户",
     "与周边单位合作，夜间开放单位停车位，缓解小区停车难。"),
    ("{c}便民服务驿站", "services", 150000, "社区居民",
     "设立集修鞋、配钥匙、缝补、理发于一体的便民服务驿站。"),
    ("{c}垃圾分类亭改造", "environment", 160000, "小区居民约 500 户",
     "改造垃圾分类投放点，增加洗手池、除臭和遮雨设施。"),
]
REJECTED = ("{c}地下综合管廊", "higher-level", 2500000, "全街道",
            "建设地下综合管廊。", "属于区级事权，已转交区建设局研究")
ELEVATOR = ("莫干山路79号加装电梯", "elevator", 680000, "79号楼 6 层 24 户，其中 60 岁以上老人 31 人",
            "莫干山路79号为1990年代建成的6层住宅，无电梯。居民多次反映上下楼困难，"
            "经全体业主协商，申请加装电梯一台，并由居民参与招标文件起草和评标。")

# Which stage each street is at (by street name); the rest are implementing.
STAGES = {"三墩镇": PhaseKind.NOTICE, "双浦镇": PhaseKind.NOTICE, "蒋村街道": PhaseKind.BALLOT,
          "转塘街道": PhaseKind.EVALUATION, "留下街道": PhaseKind.EVALUATION,
          "西湖街道": PhaseKind.EVALUATION}
DAYS = {PhaseKind.NOMINATION: 30, PhaseKind.REVIEW: 20, PhaseKind.NOTICE: 7,
        PhaseKind.BALLOT: 7, PhaseKind.IMPLEMENTATION: 240, PhaseKind.EVALUATION: 45}
# How far into its current phase each stage is (days).
INTO = {PhaseKind.NOTICE: 2, PhaseKind.BALLOT: 3, PhaseKind.IMPLEMENTATION: 150,
        PhaseKind.EVALUATION: 10}
# Each street's centre (latitude, longitude), for the map.
CENTRES = {"北山街道": (30.262, 120.146), "西溪街道": (30.278, 120.139),
           "灵隐街道": (30.246, 120.120), "翠苑街道": (30.289, 120.125),
           "文新街道": (30.293, 120.110), "古荡街道": (30.283, 120.118),
           "转塘街道": (30.153, 120.088), "留下街道": (30.266, 120.060),
           "蒋村街道": (30.280, 120.075), "西湖街道": (30.224, 120.137),
           "三墩镇": (30.330, 120.090), "双浦镇": (30.130, 120.150)}
PROGRESS = [85, 60, 100, 35, 15]


def _categories() -> dict[str, Category]:
    rows = {}
    for position, (code, name, name_en, excluded, reason) in enumerate(CATEGORIES):
        rows[code], _created = Category.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "excluded": excluded,
            "exclusion_reason": reason, "position": position})
    return rows


def load(out) -> None:
    categories = _categories()
    today = timezone.localdate()
    streets = list(Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])
                   .order_by("sort_order", "path"))
    created = 0
    for index, street in enumerate(streets):
        if Cycle.objects.filter(unit=street, year=today.year).exists():
            continue
        staff = RoleAssignment.objects.active().filter(
            role=Role.STREET_STAFF, unit=street).order_by("user__mobile").first()
        if staff is None:
            continue
        with transaction.atomic():
            _load_street(street, index, staff.user, categories, today.year, out)
            cycle = Cycle.objects.get(unit=street, year=today.year)
            # The history is loaded in bulk: the cycle's stage is what its record shows.
            Cycle.objects.filter(pk=cycle.pk).update(stage=services.stage_on_record(cycle))
        created += 1
    if created:
        out.write(f"Livelihood projects: {created} street cycles loaded.\n")


def _members(street: Unit, role: str) -> list[User]:
    return [ra.user for ra in RoleAssignment.objects.active().filter(role=role, unit=street)
            .select_related("user").order_by("user__mobile")]


def _load_street(street: Unit, index: int, staff: User, categories, year: int, out) -> None:
    stage = STAGES.get(street.name, PhaseKind.IMPLEMENTATION)
    now, today = timezone.now(), timezone.localdate()
    stage_at = PHASE_ORDER.index(stage)
    start = now - timedelta(days=sum(DAYS[k] for k in PHASE_ORDER[:stage_at]) + INTO[stage])
    cycle = Cycle.objects.create(
        unit=street, year=year, title=f"{street.name}{year}年民生实事项目",
        budget=Decimal("3000000"), method=BallotMethod.CHOOSE, seats=5, min_support=3,
        voter_kind=VoterKind.COUNCIL, created_by=staff, created_at=start)
    phases = {}
    at = start
    for kind in PHASE_ORDER:
        phases[kind] = Phase.objects.create(cycle=cycle, kind=kind, starts_at=at,
                                            ends_at=at + timedelta(days=DAYS[kind]))
        at += timedelta(days=DAYS[kind])
    communities = list(street.children.order_by("sort_order"))
    residents = list(User.objects.filter(home_unit__in=communities, mobile__startswith="1380000")
                     .order_by("mobile"))
    members = _members(street, Role.COUNCIL_MEMBER)
    deputies = _members(street, Role.DEPUTY)
    departments = list(street.departments.order_by("kind", "name"))
    rng = random.Random(street.code)
    lat0, lon0 = CENTRES.get(street.name, (30.26, 120.12))

    ideas = [IDEAS[(index * 3 + k) % len(IDEAS)] for k in range(6)]
    if street.name == "北山街道":
        ideas[1] = ELEVATOR
    projects = []
    for k, (title, category, cost, beneficiaries, description) in enumerate(ideas):
        community = communities[k % len(communities)]
        proposer = residents[(index + k) % len(residents)] if residents else staff
        kind = [ProposerKind.RESIDENT, ProposerKind.COUNCIL_MEMBER, ProposerKind.DEPUTY][k % 3]
        if kind == ProposerKind.COUNCIL_MEMBER and members:
            proposer = members[k % len(members)]
        elif kind == ProposerKind.DEPUTY and deputies:
            proposer = deputies[k % len(deputies)]
        proposed_at = start + timedelta(days=2 + k * 3)
        project = Project.objects.create(
            cycle=cycle, title=title.format(c=community.name), description=description,
            category=categories[category], community=community,
            address="莫干山路79号" if title == ELEVATOR[0] else f"{community.name}服务中心周边",
            latitude=Decimal(str(round(lat0 + rng.uniform(-0.008, 0.008), 6))),
            longitude=Decimal(str(round(lon0 + rng.uniform(-0.008, 0.008), 6))),
            beneficiaries=beneficiaries, estimated_cost=Decimal(cost), proposer=proposer,
            proposer_kind=kind, state=ProjectState.CANDIDATE, created_at=proposed_at,
            assessed_cost=Decimal(cost) - Decimal(rng.randrange(0, 5) * 10000),
            duration_days=90 + 30 * (k % 4), department=departments[k % len(departments)])
        Event.objects.create(project=project, action="propose", at=proposed_at)
        Event.objects.create(project=project, action="approve",
                             at=phases[PhaseKind.REVIEW].starts_at + timedelta(days=5 + k),
                             note="经街道科室现场踏勘和专家论证，项目可行")
        Event.objects.create(project=project, action="list_candidate",
                             at=phases[PhaseKind.NOTICE].starts_at)
        projects.append(project)
    title, category, cost, beneficiaries, description, reason = REJECTED
    rejected = Project.objects.create(
        cycle=cycle, title=title.format(c=street.name), description=description,
        category=categories["traffic"], community=communities[-1], beneficiaries=beneficiaries,
        estimated_cost=Decimal(cost), proposer=residents[0] if residents else staff,
        proposer_kind=ProposerKind.RESIDENT, state=ProjectState.REJECTED,
        public_reason=reason, created_at=start + timedelta(days=10))
    Event.objects.create(project=rejected, action="propose", at=rejected.created_at)
    Event.objects.create(project=rejected, action="reject", note=reason,
                         at=phases[PhaseKind.REVIEW].starts_at + timedelta(days=8))
    PublishedVersion.objects.create(
        cycle=cycle, kind=PublishedVersion.Kind.NOTICE, number=1, published_by=staff,
        published_at=phases[PhaseKind.NOTICE].starts_at,
        items=[{"id": p.pk, "title": p.title, "community": p.community.name,
                "cost": str(p.cost), "department": p.department.name,
                "category": p.category.name} for p in projects])
    objector = residents[-1] if residents else staff
    Objection.objects.create(
        cycle=cycle, project=projects[2], author=objector,
        text="建议公示项目的具体选址，方便周边居民了解。",
        created_at=phases[PhaseKind.NOTICE].starts_at + timedelta(hours=20),
        answer="选址已在项目页公布，施工前将再次征求周边居民意见。", answered_by=staff,
        answered_at=phases[PhaseKind.NOTICE].starts_at + timedelta(days=1))
    if stage == PhaseKind.NOTICE:
        Objection.objects.create(cycle=cycle, project=projects[0], author=residents[1]
                                 if len(residents) > 1 else staff,
                                 text="该项目预算是否包含后期运营费用？",
                                 created_at=now - timedelta(hours=5))
        return
    _name_tellers(cycle, staff, members, deputies)
    _ballot(cycle, staff, members, projects, phases, stage, out)
    if stage == PhaseKind.BALLOT:
        return
    selected = [p for p in projects if p.state == ProjectState.SELECTED]
    for k, project in enumerate(selected):
        _implement(project, k, staff, deputies, phases, stage, today)
    if street.name == "北山街道":
        _elevator_tender(cycle, staff, deputies, residents)
    if stage == PhaseKind.EVALUATION:
        _satisfaction(cycle, staff, members, phases)


def _name_tellers(cycle, staff, members, deputies) -> None:
    """The cycle's tellers: the street's staff member, a deputy and a council member (a second
    council member where the street has no deputy), any 2 of 3 to count."""
    others = (deputies[:1] + members[-1:]) if deputies else members[-2:]
    cycle.tellers.set([staff, *others])
    Cycle.objects.filter(pk=cycle.pk).update(teller_threshold=2)
    cycle.teller_threshold = 2


def _open_sealed(staff, cycle, ballot) -> dict:
    """Open a sealed ballot and take each teller's share, as they would on their teller page."""
    ballot = voting.open_ballot(staff, ballot)
    return ballot, {t: tellers.take_share(t, ballot) for t in cycle.tellers.order_by("pk")}


def _count_sealed(staff, ballot, shares: dict):
    """Close, have two tellers bring their shares (the count decrypts in the second's request)
    and publish: the same path as any secret ballot, so no plaintext sits next to a
    participation in the demo database either."""
    ballot = voting.close_ballot(staff, ballot)
    for teller, share in list(shares.items())[:ballot.threshold]:
        tellers.bring_share(teller, ballot, share)
    return voting.publish_results(staff, ballot)


def _print_shares(out, ballot, shares: dict) -> None:
    # The demo's memory cache is gone when the command ends: the open ballot's shares are
    # printed with the logins so that its tellers can count it after the close.
    out.write(f"Tellers' key shares for “{ballot.title}” (any {ballot.threshold} of "
              f"{len(shares)} count it after the close, on the ballot's teller page):")
    for teller, share in shares.items():
        out.write(f"  {teller.mobile}: {share}")


def _ballot(cycle, staff, members, projects, phases, stage, out) -> None:
    """The council's ballot in the voting engine, sealed to the cycle's tellers: each member
    chooses five of the six; the sixth candidate is the least chosen."""
    options = [voting.OptionInput(p.option_key, p.title, p.cost) for p in projects]
    fields = {"roll_source": "roles", "roll_roles": VoterKind.COUNCIL, "max_choices": 5,
              "min_support": 3, "description": cycle.title}
    if stage == PhaseKind.BALLOT:
        fields["closes_at"] = phases[PhaseKind.BALLOT].ends_at
    ballot = voting.create_ballot(staff, cycle.unit, title=f"{cycle.title}：票选",
                                  method=BallotMethod.CHOOSE, options=options, **fields,
                                  **sealed_ballot_fields(cycle))
    Cycle.objects.filter(pk=cycle.pk).update(ballot=ballot)
    ballot, shares = _open_sealed(staff, cycle, ballot)
    voters = members if stage != PhaseKind.BALLOT else members[:6]
    for m, member in enumerate(voters):
        left_out = 5 if m < 7 else m % 5
        voting.cast_vote(member, ballot, {"choices": [
            p.option_key for i, p in enumerate(projects) if i != left_out]})
    if stage == PhaseKind.BALLOT:
        _print_shares(out, ballot, shares)
        return
    ballot = _count_sealed(staff, ballot, shares)
    winners = services.winners_from(ballot.result, ballot.method)
    counts = ballot.result["counts"]
    decided = phases[PhaseKind.BALLOT].ends_at
    items = []
    for project in projects:
        chosen = project.option_key in winners
        Project.objects.filter(pk=project.pk).update(
            state=ProjectState.SELECTED if chosen else ProjectState.NOT_SELECTED,
            votes=counts[project.option_key])
        project.refresh_from_db()
        Event.objects.create(project=project, action="select" if chosen else "not_select",
                             at=decided, note=f"{counts[project.option_key]} 票")
        items.append({"id": project.pk, "title": project.title, "cost": str(project.cost),
                      "votes": counts[project.option_key], "selected": chosen})
    items.sort(key=lambda i: (not i["selected"], -i["votes"], i["id"]))
    PublishedVersion.objects.create(
        cycle=cycle, kind=PublishedVersion.Kind.RESULT, number=1, published_by=staff,
        published_at=decided, items={
            "rule": services.rule_text(cycle, ballot), "ballot": str(ballot.public_id),
            "ballots_cast": ballot.result["ballots"], "projects": items})
    Cycle.objects.filter(pk=cycle.pk).update(
        confirmed_at=decided + timedelta(days=2),
        confirmation_note="街道党工委会议研究确认票选结果")


def _implement(project, k, staff, deputies, phases, stage, today) -> None:
    begun = phases[PhaseKind.IMPLEMENTATION].starts_at + timedelta(days=5 + k)
    final = stage == PhaseKind.EVALUATION
    progress = 100 if final else PROGRESS[k % len(PROGRESS)]
    Project.objects.filter(pk=project.pk).update(
        state=ProjectState.IN_PROGRESS, planned_budget=project.cost, progress=progress)
    Event.objects.create(project=project, action="start", at=begun,
                         note=f"责任科室：{project.department.name}")
    steps = [("方案设计和居民意见征询", 20), ("施工招标", 50), ("主体施工", 120),
             ("竣工验收", 200)]
    for n, (title, offset) in enumerate(steps):
        due = (begun + timedelta(days=offset)).date()
        done = due - timedelta(days=2) if (final or progress >= (n + 1) * 25) else None
        if title == "竣工验收" and not final:
            done = None  # the acceptance milestone is done with the project's acceptance
        Milestone.objects.create(project=project, title=title, due_on=due, done_on=done,
                                 late_flagged_at=timezone.now() if (done is None and due < today)
                                 else None)
    for n, percent in enumerate(p for p in (20, 45, 70, 100) if p <= progress):
        at = begun + timedelta(days=30 * (n + 1))
        ProgressReport.objects.create(project=project, percent=percent, author=staff,
                                      note=f"工程完成 {percent}%，现场施工有序。", created_at=at)
        Event.objects.create(project=project, action="progress", at=at,
                             note=f"{percent}% · 工程完成 {percent}%")
    if progress:
        Spending.objects.create(project=project, amount=(project.cost * progress / 100)
                                .quantize(Decimal("1")), description="工程进度款",
                                spent_on=(begun + timedelta(days=60)).date(), recorded_by=staff)
    if deputies:
        deputy = deputies[k % len(deputies)]
        project.supervisors.add(deputy)
        visit_day = min((begun + timedelta(days=45)).date(), today)
        services.log_visit(deputy, Project.objects.get(pk=project.pk), visit_day,
                           "现场查看施工进度和安全措施，围挡规范，建议加快进度并做好扰民告知。")
        Event.objects.filter(project=project, action="visit").update(
            at=begun + timedelta(days=45))
    if progress == 100:
        completed = begun + timedelta(days=200)
        Project.objects.filter(pk=project.pk).update(state=ProjectState.COMPLETED)
        Event.objects.create(project=project, action="complete", at=completed)
        if final:
            accepted_on = phases[PhaseKind.EVALUATION].starts_at.date()
            Project.objects.filter(pk=project.pk).update(
                state=ProjectState.ACCEPTED, accepted_on=accepted_on,
                acceptance_record="街道组织代表、议事会成员和居民代表进行竣工验收，工程质量合格，资料齐全。")
            Event.objects.create(project=project, action="accept_completion",
                                 at=phases[PhaseKind.EVALUATION].starts_at,
                                 note="竣工验收合格")


def _satisfaction(cycle, staff, members, phases) -> None:
    projects = list(cycle.projects.filter(state=ProjectState.ACCEPTED).order_by("id"))
    ballot = voting.create_ballot(
        staff, cycle.unit, title=f"{cycle.title}：满意度测评", method="satisfaction",
        options=[voting.OptionInput(p.option_key, p.title, p.cost) for p in projects],
        roll_source="roles", roll_roles=VoterKind.COUNCIL, **sealed_ballot_fields(cycle))
    Cycle.objects.filter(pk=cycle.pk).update(satisfaction_ballot=ballot)
    ballot, shares = _open_sealed(staff, cycle, ballot)
    answers = ["satisfied"] * 6 + ["basically"] * 3 + ["unsatisfied"]
    for m, member in enumerate(members):
        voting.cast_vote(member, ballot, {"votes": {
            p.option_key: answers[(m + 3 * i) % len(answers)] if i != 2 else
            ("basically" if m % 2 else "unsatisfied") for i, p in enumerate(projects)}})
    ballot = _count_sealed(staff, ballot, shares)
    at = phases[PhaseKind.EVALUATION].starts_at + timedelta(days=8)
    items = []
    for project in projects:
        item = ballot.result["items"][project.option_key]
        Project.objects.filter(pk=project.pk).update(satisfaction=item)
        Event.objects.create(project=project, action="satisfaction", note=item["rating"], at=at)
        items.append({"id": project.pk, "title": project.title, **item})
    PublishedVersion.objects.create(
        cycle=cycle, kind=PublishedVersion.Kind.SATISFACTION, number=1, published_by=staff,
        published_at=at, items={
            "ballot": str(ballot.public_id), "ballots_cast": ballot.result["ballots"],
            "rule": "满意票达到半数为“满意”；否则满意与基本满意合计达到半数为“基本满意”；否则为“不满意”。",
            "projects": items})


def _elevator_tender(cycle, staff, deputies, residents) -> None:
    """莫干山路79号: the document drafted with residents in two versions, the notice with
    criteria, three bids, a panel of an expert, a deputy and a residents' representative, the
    award with every score."""
    project = cycle.projects.get(title=ELEVATOR[0])
    if project.state != ProjectState.IN_PROGRESS:
        return
    t = tender.start_tender(staff, project, (
        "一、招标范围：莫干山路79号加装电梯一台（6层6站），含设备供货、土建、安装和调试。\n"
        "二、工期：进场后 90 日历天。\n三、质保：整机质保 2 年。"), "街道起草初稿")
    v1 = t.versions.get()
    tender.publish_version(staff, v1)
    for n, text in enumerate(("希望质保延长到 5 年，并包含免费维保。",
                              "施工期间请保证楼道通行，不要占用消防通道。",
                              "一楼住户采光受影响，请在文件中写明补偿办法。")):
        services.comment(residents[n % len(residents)], project, text, tender_version=v1)
    v2 = tender.new_version(staff, t, (
        "一、招标范围：莫干山路79号加装电梯一台（6层6站），含设备供货、土建、安装和调试。\n"
        "二、工期：进场后 90 日历天，施工期间保持楼道和消防通道畅通。\n"
        "三、质保：整机质保 5 年，含免费维保。\n四、一楼住户补偿按业主协商协议执行。"),
        "采纳居民意见：质保延长至5年含维保；明确施工通行要求；增加一楼补偿条款")
    tender.publish_version(staff, v2)
    tender.publish_bidding_notice(
        staff, t, "莫干山路79号加装电梯项目现公开招标，欢迎具备相应资质的电梯企业投标。",
        timezone.now() + timedelta(days=1),
        [("投标报价", 40, 100), ("技术方案", 35, 100), ("售后服务", 25, 100)], 5)
    bids = [tender.register_bid(staff, t, name, price, proposal) for name, price, proposal in (
        ("杭州西子电梯工程有限公司", "628000", "采用无机房曳引电梯，井道钢结构外挂，工期 80 天。"),
        ("浙江之江电梯安装有限公司", "598000", "采用小机房电梯，混凝土井道，工期 95 天。"),
        ("杭州明达机电设备有限公司", "645000", "采用无机房电梯，玻璃观光井道，工期 85 天。"),
    )]
    expert = User.objects.filter(role_assignments__role=Role.EXPERT).order_by("mobile").first()
    panel = [(expert, "expert"), (deputies[0], "deputy"), (residents[5], "resident")]
    for person, kind in panel:
        tender.add_panelist(staff, t, person, kind)
    tender.close_bidding(staff, t)
    marks = {0: (88, 92, 90), 1: (95, 80, 82), 2: (82, 90, 86)}
    for p, (person, _kind) in enumerate(panel):
        for b, bid in enumerate(bids):
            for c, criterion in enumerate(t.criteria.all()):
                tender.score(person, bid, criterion, marks[b][c] - p)
    tender.award(staff, t)
