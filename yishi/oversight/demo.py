"""Demo oversight for Xihu (made up for the demo): standing-committee leaders linked to every
street with their guidance visits (one street not visited for 100 days), the start-of-year
assignment to all streets at every state, and a special assignment escalated after its
deadline. Written in bulk, dated relative to today, so that the demo opens with a year that
looks lived in; loaded once (idempotent)."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from yishi.core.demo import _person, _role
from yishi.core.models import Role, Unit, UnitKind
from yishi.core.workdays import deadline_after

from .models import (
    Assignment,
    AssignmentEvent,
    AssignmentState,
    Feedback,
    GuidanceVisit,
    LiaisonLink,
    ReportState,
    ReportType,
    StreetReport,
    Task,
)

S = AssignmentState
TITLES = ["常委会副主任", "常委会副主任", "常委会副主任", "常委会委员", "常委会委员", "常委会秘书长"]
TOPICS = ["议事会运行与议题征集", "民生实事项目票选准备", "代表联络站接待情况", "街道预算公开与审查",
          "选民意见办理闭环", "国有资产清理核查"]
PROBLEMS = ["会议记录不够规范", "部分意见超期未复", "联络站接待排班不足", ""]
# The start-of-year assignment: each street's share at a different point of its way.
STATES = [S.CLOSED, S.CLOSED, S.REPORTED, S.REPORTED, S.HANDLING, S.HANDLING, S.SIGNED,
          S.SIGNED, S.ASSIGNED, S.RETURNED, S.CLOSED, S.HANDLING]
UNVISITED_FOR = 100  # days since the last visit to the last street


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@transaction.atomic
def load(out) -> None:
    if Task.objects.exists() or LiaisonLink.objects.exists():
        return
    district = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("path").first()
    streets = list(Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])
                   .order_by("sort_order", "code"))
    if district is None or not streets:
        return
    today = timezone.localdate()
    staff = _person("13900000001", 1, password=True)
    leaders = []
    for n, title in enumerate(TITLES, start=1):
        leader = _person(f"139000600{n:02d}", 600 + n, password=True)
        _role(leader, Role.DISTRICT_STAFF, district)
        leaders.append((leader, title))
    links, visits = [], []
    for s, street in enumerate(streets):
        leader, title = leaders[s % len(leaders)]
        links.append(LiaisonLink(leader=leader, street=street, title=title,
                                 starts_on=date(today.year - 1, 1, 1)))
        last = s == len(streets) - 1
        for k, ago in enumerate((UNVISITED_FOR, 190) if last else (15 + 4 * s, 80 + s, 170)):
            visits.append(GuidanceVisit(
                leader=leader, street=street, date=today - timedelta(days=ago),
                topics=TOPICS[(s + k) % len(TOPICS)], problems=PROBLEMS[(s + k) % len(PROBLEMS)],
                follow_ups="整改并报区人大常委会" if PROBLEMS[(s + k) % len(PROBLEMS)] else "",
                recorded_by=staff, recorded_at=_at(today - timedelta(days=ago), 17)))
    LiaisonLink.objects.bulk_create(links)
    GuidanceVisit.objects.bulk_create(visits)

    _start_of_year(staff, streets, today)
    _escalated(staff, streets, today)
    _half_year_reports(staff, streets, today)
    out.write(f"Oversight: {len(links)} liaison leaders, {len(visits)} guidance visits, "
              f"{Assignment.objects.count()} assignments")


def _start_of_year(staff, streets, today) -> None:
    issued = _at(max(date(today.year, 1, 6), today - timedelta(days=300)), 9)
    deadline = _at(max(date(today.year, 12, 20), today + timedelta(days=30)), 23)
    task = Task.objects.create(
        title=f"{today.year}年度街道人大工作要点落实（年初交办）",
        description="落实年度街道人大工作要点：议事会每年不少于四次会议、民生实事项目票选、"
                    "代表联络站每月接待、预算公开与审查。",
        evidence_expected="会议纪要、票选结果、接待记录、预算公开截图", issued_at=issued,
        deadline=deadline, created_by=staff)
    escalate_at = deadline_after(deadline, task.escalate_after_workdays)
    sign_by = deadline_after(issued, task.remind_after_workdays)
    rows = []
    for n, street in enumerate(streets):
        state = STATES[n % len(STATES)]
        signed = issued + timedelta(days=1) if state not in (S.ASSIGNED, S.RETURNED) else None
        reported = (issued + timedelta(days=200) if state in (S.REPORTED, S.CLOSED)
                    and issued + timedelta(days=200) < timezone.now() else
                    timezone.now() - timedelta(days=3) if state in (S.REPORTED, S.CLOSED)
                    else None)
        rows.append(Assignment(
            task=task, street=street, is_lead=n == 0, state=state, sign_by=sign_by,
            escalate_at=escalate_at, signed_at=signed, reported_at=reported,
            closed_at=reported + timedelta(days=2) if state == S.CLOSED else None,
            reason="该项工作由区级部门统一组织" if state == S.RETURNED else "",
            sign_reminded_at=sign_by if state in (S.ASSIGNED, S.RETURNED) else None))
    Assignment.objects.bulk_create(rows)
    _history(task, staff)


def _escalated(staff, streets, today) -> None:
    """A special assignment from a guidance visit: one street reported and was closed, the
    other let the deadline pass and was escalated to its liaison leader."""
    visit = GuidanceVisit.objects.filter(street=streets[1]).exclude(follow_ups="").first()
    issued = _at(today - timedelta(days=70), 9)
    deadline = deadline_after(issued, 20)
    task = Task.objects.create(
        title="选民意见超期未复专项督办", description="对超期未答复的选民意见逐件督办，限期答复。",
        evidence_expected="逐件答复记录", issued_at=issued, deadline=deadline, workdays=20,
        created_by=staff, source_visit=visit)
    escalate_at = deadline_after(deadline, task.escalate_after_workdays)
    sign_by = deadline_after(issued, task.remind_after_workdays)
    Assignment.objects.bulk_create([
        Assignment(task=task, street=streets[1], is_lead=True, state=S.CLOSED, sign_by=sign_by,
                   escalate_at=escalate_at, signed_at=issued + timedelta(hours=5),
                   reported_at=issued + timedelta(days=15),
                   closed_at=issued + timedelta(days=17)),
        Assignment(task=task, street=streets[4], state=S.HANDLING, sign_by=sign_by,
                   escalate_at=escalate_at, signed_at=issued + timedelta(days=3),
                   sign_reminded_at=sign_by, deadline_reminded_at=deadline,
                   escalated_at=escalate_at),
    ])
    _history(task, staff)


def _history(task, staff) -> None:
    events, feedback = [], []
    for a in task.assignments.all():
        events.append(AssignmentEvent(assignment=a, action="assigned", actor=staff,
                                      at=task.issued_at))
        for column, action in (("sign_reminded_at", "sign_reminder"),
                               ("signed_at", "sign"), ("deadline_reminded_at",
                                                       "deadline_reminder"),
                               ("escalated_at", "escalate"), ("reported_at", "report"),
                               ("closed_at", "close")):
            when = getattr(a, column)
            if when:
                events.append(AssignmentEvent(assignment=a, action=action, at=when,
                                              actor=staff if action == "close" else None))
        if a.state == S.RETURNED:
            events.append(AssignmentEvent(assignment=a, action="decline", note=a.reason,
                                          at=task.issued_at + timedelta(days=2)))
        if a.reported_at:
            feedback.append(Feedback(assignment=a, text=f"{a.street.name}已按要求完成，附相关材料。",
                                     submitted_at=a.reported_at))
    AssignmentEvent.objects.bulk_create(events)
    Feedback.objects.bulk_create(feedback)


SECTIONS = ["工作开展情况", "存在问题", "下步打算"]


def _half_year_reports(staff, streets, today) -> None:
    """The last half-year's reports: all accepted but one returned with comments and one not
    submitted and flagged late."""
    from .services import report_figures

    year, first_half = (today.year, True) if today.month > 7 else (today.year - 1, False)
    start, end = (date(year, 1, 1), date(year, 6, 30)) if first_half else (
        date(year, 7, 1), date(year, 12, 31))
    due = end + timedelta(days=15)
    report_type = ReportType.objects.create(
        title=f"{year}年{'上' if first_half else '下'}半年街道人大工作汇报", kind="half_year",
        year=year, period_start=start, period_end=end, due_on=due, sections=SECTIONS,
        created_by=staff)
    rows = []
    for n, street in enumerate(streets):
        returned, late = n == 2, n == 5
        state = (ReportState.RETURNED if returned else ReportState.DRAFT if late
                 else ReportState.ACCEPTED)
        submitted = None if late else _at(due - timedelta(days=3 + n % 5), 15)
        rows.append(StreetReport(
            report_type=report_type, street=street, state=state,
            figures=report_figures(street, end), submitted_at=submitted,
            accepted_at=submitted + timedelta(days=2) if state == ReportState.ACCEPTED else None,
            comments="请补充议事会议题办理情况的数据分析" if returned else "",
            late_flagged_at=_at(due + timedelta(days=1), 1) if late else None,
            sections={} if late else {
                "工作开展情况": f"{street.name}上半年召开居民议事会议，开展代表接待活动。",
                "存在问题": "部分意见办理时效有待提高。", "下步打算": "完善闭环办理机制。"}))
    StreetReport.objects.bulk_create(rows)


# The "886" rules library, bimonthly meetings, joint supervision and service guarantee have
# their own demo loaders, each idempotent on its own, run after the assignments above.
_load_assignments_and_guidance = load


def load(out) -> None:  # noqa: F811 - extends the loader above
    from . import mechanisms_demo, rules_demo

    _load_assignments_and_guidance(out)
    rules_demo.load(out)
    mechanisms_demo.load(out)


# --- evaluation (考评激励) --------------------------------------------------------------------
# The tree below is made up for the demo. Last year's evaluation is published; this year's is
# under review: every street has scored itself on the assessed indicators, and the district has
# reviewed some of them (one changed, with its reason).

DEMO_TREE = [
    ("履职基础工作", "30", "", "", None, "", [
        ("居民议事会会议有效召开", "40", "ratio", "meetings_quorate", "4", "每年不少于4次，按比例计分", []),
        ("代表联络站接待", "30", "ratio", "receptions_held", "12", "每月至少1次，按比例计分", []),
        ("定期汇报按时报送", "30", "ratio", "reports_on_time", "100", "按时报送率", []),
    ]),
    ("选民意见办理", "30", "", "", None, "", [
        ("按时答复率", "60", "ratio", "opinions_on_time", "95", "目标95%，按比例计分", []),
        ("答复满意率", "40", "ratio", "opinions_satisfied", "90", "目标90%，按比例计分", []),
    ]),
    ("民生实事与财政监督", "25", "", "", None, "", [
        ("民生实事项目按时完成", "50", "ratio", "projects_on_time", "80", "按时完成率", []),
        ("街道预算按时公开", "30", "threshold", "budget_on_time", "1", "3月31日前公开得满分", []),
        ("交办事项按时反馈", "20", "ratio", "assignments_on_time", "100", "按时反馈率", []),
    ]),
    ("特色工作与创新", "15", "", "", None, "", [
        ("特色品牌建设", "60", "", "", None, "", [
            ("品牌项目", "50", "assessed", "", None, "自评，附佐证材料", []),
            ("获评与推广", "50", "assessed", "", None, "自评，附佐证材料", []),
        ]),
        ("宣传与经验交流", "40", "assessed", "", None, "自评，附佐证材料", []),
    ]),
]


def _demo_tree(staff, scheme, rows, parent=None) -> None:
    from .evaluation import IndicatorInput, add_indicator

    for name, weight, method, measure, target, note, children in rows:
        indicator = add_indicator(staff, scheme, IndicatorInput(
            name=name, weight=weight, parent=parent, method=method, measure=measure,
            target=target, note=note))
        _demo_tree(staff, scheme, children, indicator)


def _demo_scheme(staff, year, state, now) -> None:
    from decimal import Decimal

    from . import evaluation
    from .models import EvaluationScheme, SchemeState, StreetScore

    scheme = evaluation.create_scheme(staff, year)
    _demo_tree(staff, scheme, DEMO_TREE)
    EvaluationScheme.objects.filter(pk=scheme.pk).update(state=SchemeState.ASSESSING)
    evaluation.compute(staff, scheme, now=now)
    rows = list(StreetScore.objects.filter(indicator__scheme=scheme,
                                           indicator__method="assessed")
                .select_related("indicator", "street").order_by("indicator_id", "street__code"))
    points = {n.indicator.pk: n.points for n in evaluation.leaves(scheme)}
    for n, row in enumerate(rows):
        share = Decimal(100 - (n * 7) % 35) / 100  # 66 % … 100 % of the points
        row.self_score = evaluation._q(points[row.indicator_id] * share)
        row.self_note = f"{row.street.name}{row.indicator.name}开展情况，佐证材料见附件。"
        row.self_assessed_by, row.self_assessed_at = staff, now
        if n % 4 == 0 or state == SchemeState.PUBLISHED:
            lowered = n % 8 == 0
            row.reviewed_score = (row.self_score - Decimal("1.00") if lowered
                                  and row.self_score >= 1 else row.self_score)
            row.review_reason = "佐证材料不足以支撑自评分" if lowered else ""
            row.reviewed_by, row.reviewed_at = staff, now
    StreetScore.objects.bulk_update(rows, ["self_score", "self_note", "self_assessed_by",
                                           "self_assessed_at", "reviewed_score",
                                           "review_reason", "reviewed_by", "reviewed_at"])
    EvaluationScheme.objects.filter(pk=scheme.pk).update(state=SchemeState.REVIEWING)
    evaluation.compute(staff, scheme, now=now)
    if state == SchemeState.PUBLISHED:
        EvaluationScheme.objects.filter(pk=scheme.pk).update(state=state, published_at=now)


def load_evaluation(out) -> None:
    from .models import EvaluationScheme, SchemeState

    if EvaluationScheme.objects.exists() or not Unit.objects.filter(
            kind=UnitKind.DISTRICT).exists():
        return
    today = timezone.localdate()
    staff = _person("13900000001", 1, password=True)
    with transaction.atomic():
        _demo_scheme(staff, today.year - 1, SchemeState.PUBLISHED,
                     _at(date(today.year, 1, 20), 16))
        _demo_scheme(staff, today.year, SchemeState.REVIEWING, timezone.now())
    out.write(" and the evaluations of two years")


_load_assignments_and_reports = load


def load(out) -> None:  # noqa: F811 - the evaluation's demo follows the rest
    _load_assignments_and_reports(out)
    load_evaluation(out)
