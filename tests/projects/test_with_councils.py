"""The candidates voted at a council meeting (the issue: "the ballot is held at a council
meeting"): the projects module makes its ballot ready, the meeting puts it on the agenda, opens
it once a quorum has signed in, the members vote, the meeting closes it, and the projects module
records the selection from the same ballot."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.projects.conftest import next_phase, proposal
from tests.voting import helpers
from yishi.councils import services as councils
from yishi.councils.models import ItemKind, Meeting
from yishi.projects import services
from yishi.projects.models import Project, ProjectState
from yishi.projects.tellers import set_cycle_tellers
from yishi.voting import services as voting
from yishi.voting.models import Ballot, BallotState


def _member(n, community):
    return councils.MemberInput(mobile=f"1372000{n:04d}", name=f"成员{n}", category="resident",
                                community=community, birth_date=date(1970, 1, 1),
                                in_street_since=date(2000, 1, 1))


def test_project_ballot_held_at_a_council_meeting(client, people, xihu, categories):
    staff = people["street_staff"]
    council = councils.create_council(staff, xihu["xixi"], term_starts_on=date(2026, 1, 1))
    members = [councils.add_member(staff, council.current_term(),
                                   _member(n, xihu["xixi_community"])) for n in range(1, 6)]
    cycle = services.open_cycle(staff, services.CycleInput(
        unit=xihu["xixi"], year=2027, title="西溪街道2027年民生实事项目",
        budget=Decimal("3000000"), starts_at=timezone.now() - timedelta(minutes=1), seats=1,
        min_support=1))
    set_cycle_tellers(staff, cycle, [staff, people["deputy"], members[4].user], 2)
    projects = [services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"], title=title))
        for title in ("加装电梯", "老年食堂")]
    next_phase(staff, cycle)
    for project in projects:
        services.approve(staff, project)
    next_phase(staff, cycle)
    services.publish_notice(staff, cycle)
    next_phase(staff, cycle)                                   # the ballot phase
    ballot = services.prepare_ballot(staff, cycle)
    assert ballot.state == BallotState.DRAFT

    meeting = councils.create_meeting(staff, council, title="第四次居民议事会议",
                                      starts_at=timezone.now() + timedelta(days=1),
                                      place="街道三楼会议室")
    item = councils.add_item(staff, meeting, kind=ItemKind.PROJECT_SELECTION,
                             title="票选2027年民生实事项目", ballot=ballot)
    councils.convene_meeting(staff, meeting)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    meeting.refresh_from_db()
    councils.start_meeting(staff, meeting)
    councils.sign_in(staff, meeting, members[0])
    with pytest.raises(ValidationError):                      # 1 of 5: no quorum
        councils.open_vote(staff, item)
    # The ballot's roll is everyone holding the council-member role in the street (the fixture's
    # council member too): 6 voters, so 4 must be present.
    for member in members[1:4]:
        councils.sign_in(staff, meeting, member)
    councils.open_vote(staff, item)
    helpers.take_shares(Ballot.objects.get(pk=ballot.pk))
    councils.submit_item_opinion(members[0].user, item, "建议优先考虑加装电梯")
    client.force_login(members[0].user)
    page = client.get(f"/councils/meetings/{meeting.pk}/").content.decode()
    assert f"/voting/{ballot.public_id}/" in page          # its own ballot page, not yes/no
    assert "建议优先考虑加装电梯" in page                     # written opinions are public
    keys = [p.option_key for p in projects]
    for n, member in enumerate(members[:3]):
        voting.cast_vote(member.user, ballot, {"choices": [keys[0] if n < 2 else keys[1]]})
    councils.close_vote(staff, item)
    helpers.count(staff, ballot)  # the tellers decrypt the sealed ballot after the close

    result = services.record_result(staff, cycle)
    states = {p.title: Project.objects.get(pk=p.pk).state for p in projects}
    assert states == {"加装电梯": ProjectState.SELECTED, "老年食堂": ProjectState.NOT_SELECTED}
    assert result.items["ballots_cast"] == 3


def test_a_round_table_outcome_becomes_a_proposal(client, people, xihu, categories):
    from html import unescape

    from django.urls import reverse

    from yishi.councils import roundtables

    staff = people["street_staff"]
    councils.create_council(staff, xihu["xixi"], term_starts_on=date(2026, 1, 1))
    cycle = services.open_cycle(staff, services.CycleInput(
        unit=xihu["xixi"], year=2027, title="西溪街道2027年民生实事项目",
        budget=Decimal("3000000"), starts_at=timezone.now() - timedelta(minutes=1), seats=3))
    table = roundtables.convene_round_table(
        staff, xihu["xixi"], title="求是村停车难", held_at=timezone.now() + timedelta(hours=1),
        place="社区会议室", participants=[])
    roundtables.record_round_table(staff, table, summary="居民、代表和城管科共同商议", actions=[],
                                   outcome="project", outcome_text="建议新建立体停车库")
    page = unescape(client.get(reverse("councils:round_table", args=[table.pk])).content.decode())
    link = page.split('href="/projects/propose/?', 1)[1].split('"', 1)[0]
    client.force_login(people["resident"])
    response = client.get(f"/projects/propose/?{link}", follow=True)
    assert response.redirect_chain[-1][0].startswith(
        reverse("projects:propose", args=[cycle.pk]))
    form = response.context["form"]
    assert form.initial["title"] == "求是村停车难"
    assert "立体停车库" in form.initial["description"]
