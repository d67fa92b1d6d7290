"""The demo's rules library: the 22 titles of the "886" system (8 rules, 8 documents, 6
mechanisms). Every summary and text here was WRITTEN FOR THE DEMO (is_demo_text: each page
says so); none is the official text of any document. One entry has two versions."""

from datetime import date

from yishi.core.models import Unit, UnitKind

from .rules_models import Rule, RuleGroup, RuleVersion

BODY = "西湖区人大常委会"
G = RuleGroup

# (key, group, title, governs, summary, main clause)
ENTRIES = [
    ("street-budget-review", G.RULE, "街道预算审查监督办法", "finance.budget_review finance",
     "街道预算草案在提交前须经人大街道工委组织代表和居民代表审查。",
     "街道预算草案应当在街道党工委审议前三十日送人大街道工委初步审查"),
    ("council-rules", G.RULE, "街道居民议事会议事规则", "councils",
     "居民议事会的组成、议题征集、会议程序和决议落实。",
     "议事会会议须有过半数成员出席方可举行，决议经出席成员过半数同意通过"),
    ("project-ballot", G.RULE, "民生实事项目人大代表票决制实施办法", "projects",
     "民生实事项目由居民提出、代表票决、全程监督。",
     "民生实事项目候选项目应当多于拟确定项目，由人大代表无记名投票票决"),
    ("liaison-station", G.RULE, "人大代表联络站工作制度", "deputies",
     "代表联络站的接待安排、接待记录和意见转办。",
     "每个联络站每月至少安排两次代表接待选民活动，接待情况当日记录"),
    ("opinion-handling", G.RULE, "选民意见收集办理制度", "opinions",
     "选民意见的受理、交办、答复和满意度评价。",
     "选民意见应当在两个工作日内受理，十五个工作日内答复"),
    ("bimonthly-meetings", G.RULE, "街道人大工作双月例会制度", "oversight.meetings",
     "区人大常委会每两个月召开一次街道人大工作例会。",
     "例会通报各街道工作进展，交流经验做法，研究部署下阶段工作"),
    ("deputy-evaluation", G.RULE, "人大代表履职评价办法", "deputies.evaluation",
     "代表履职情况的记录、评价和公开。",
     "代表履职情况每年评价一次，评价结果向选民公开"),
    ("asset-oversight", G.RULE, "街道国有资产管理情况监督办法", "finance.assets",
     "人大街道工委对街道国有资产管理情况的监督。",
     "街道每年向人大街道工委报告国有资产管理情况，并接受代表询问"),
    ("strengthen-street-work", G.DOCUMENT, "关于加强街道人大工作的实施意见", "",
     "加强街道人大工作的总体要求和主要任务。",
     "各街道应当配齐配强人大街道工委工作人员，保障工作经费"),
    ("whole-process-democracy", G.DOCUMENT, "关于推进全过程人民民主基层单元建设的指导意见", "",
     "以街道为单元推进全过程人民民主实践。",
     "坚持问需于民、问计于民，让居民全过程参与街道公共事务"),
    ("annual-priorities", G.DOCUMENT, "街道人大工委年度工作要点", "",
     "本年度街道人大工作的重点任务和时间安排。",
     "各街道人大工委结合实际制定年度工作计划并报区人大常委会备案"),
    ("council-standards", G.DOCUMENT, "关于规范街道居民议事会建设的通知", "",
     "议事会组建、换届和运行的规范要求。",
     "议事会成员由居民推选产生，任期与社区居民委员会任期一致"),
    ("project-ballot-notice", G.DOCUMENT, "关于开展民生实事项目票决工作的通知", "",
     "本年度民生实事项目票决工作的时间安排。",
     "各街道应当于三月底前完成民生实事项目票决"),
    ("station-standards", G.DOCUMENT, "关于加强代表联络站规范化建设的意见", "",
     "代表联络站的场所、制度、活动和档案规范。",
     "联络站应当有固定场所、有工作制度、有活动安排、有工作台账"),
    ("budget-disclosure-guide", G.DOCUMENT, "街道财政预算公开工作指引", "finance",
     "街道预算、决算和三公经费的公开内容与时限。",
     "街道预算经批准后二十日内向社会公开"),
    ("deputy-suggestions", G.DOCUMENT, "关于做好人大代表建议办理工作的通知", "",
     "代表建议的交办、办理、答复和督办。",
     "承办单位应当在三个月内答复代表，并听取代表意见"),
    ("regular-reports", G.MECHANISM, "定期汇报机制", "oversight.reports",
     "街道人大工委定期向区人大常委会汇报工作。",
     "各街道人大工委每半年向区人大常委会书面汇报一次工作"),
    ("liaison-guidance", G.MECHANISM, "联系指导机制", "oversight.guidance",
     "常委会领导联系街道，定期开展指导。",
     "每个街道至少有一名常委会领导联系，每季度至少指导一次"),
    ("assignments", G.MECHANISM, "委托交办机制", "oversight.assignments",
     "区人大常委会向街道交办工作任务并跟踪督办。",
     "交办事项明确办理时限和成果要求，街道按时签收、办理和反馈"),
    ("joint-supervision", G.MECHANISM, "监督联动机制", "oversight.joint",
     "区街两级人大和代表对跨街道事项联合监督。",
     "涉及多个街道的事项，由区人大常委会牵头组织相关街道联合监督"),
    ("evaluation", G.MECHANISM, "考评激励机制", "oversight.evaluation",
     "对街道人大工作进行年度考评并通报结果。",
     "考评指标由区人大常委会年初确定，年底考评并通报"),
    ("service-guarantee", G.MECHANISM, "服务保障机制", "oversight.support",
     "区人大常委会为街道人大工作提供经费、人员、场地和培训保障。",
     "街道可以就工作中的困难向区人大常委会提出保障需求，区人大常委会限期答复"),
]

FIRST_BUDGET = (
    "第一条 为规范街道预算审查监督，制定本办法。\n"
    "第二条 街道预算草案应当在街道党工委审议前三十日送人大街道工委初步审查。\n"
    "第三条 人大街道工委组织代表和居民代表召开预算审查会。\n"
    "第四条 审查意见应当书面反馈街道办事处。\n"
    "第五条 本办法自发布之日起施行。")
SECOND_BUDGET = (
    "第一条 为规范街道预算审查监督，推进预算公开，制定本办法。\n"
    "第二条 街道预算草案应当在街道党工委审议前四十五日送人大街道工委初步审查。\n"
    "第三条 人大街道工委组织代表和居民代表召开预算审查会。会议应当邀请居民议事会成员列席。\n"
    "第四条 审查意见应当书面反馈街道办事处，街道办事处在十五日内书面答复。\n"
    "第五条 预算执行中调整预算的，参照本办法审查。\n"
    "第六条 本办法自发布之日起施行。")


def _text(title, clause) -> str:
    return (f"{title}（演示文本）\n"
            f"第一条 为做好街道人大相关工作，制定本{title[-2:]}。\n"
            f"第二条 {clause}。\n"
            f"第三条 人大街道工委负责组织实施，区人大常委会负责指导和监督。\n"
            f"第四条 本{title[-2:]}自发布之日起施行。")


def load(out) -> None:
    from . import rules

    if Rule.objects.exists() or not Unit.objects.filter(kind=UnitKind.DISTRICT).exists():
        return
    year = date.today().year
    rows, versions = [], []
    for n, (key, group, title, governs, summary, _clause) in enumerate(ENTRIES):
        rows.append(Rule(key=key, group=group, title=title, issuing_body=BODY, summary=summary,
                         governs=f" {governs} " if governs else "", is_demo_text=True,
                         sort_order=n + 1))
    Rule.objects.bulk_create(rows)
    by_key = {r.key: r for r in Rule.objects.all()}
    for key, _group, title, _governs, _summary, clause in ENTRIES:
        first = FIRST_BUDGET if key == "street-budget-review" else _text(title, clause)
        versions.append(RuleVersion(rule=by_key[key], number=1,
                                    effective_on=date(year - 3, 3, 1), text=first))
    versions.append(RuleVersion(
        rule=by_key["street-budget-review"], number=2, effective_on=date(year - 1, 7, 1),
        text=SECOND_BUDGET, note="提前初步审查时间，增加居民议事会列席和书面答复时限（演示）"))
    RuleVersion.objects.bulk_create(versions)
    for rule in by_key.values():
        rules.reindex(rule)
    out.write(f"Oversight: {len(rows)} rules-library entries (demo text)")
