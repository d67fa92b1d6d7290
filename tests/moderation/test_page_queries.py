"""Pages that show residents' texts read their moderation states in one query per list, not
one per text: the page costs the same with more texts on it."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yishi.core.models import User


def _cost(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_project_page_and_call_list_cost_the_same_with_more_texts(client, demo, settings):
    from yishi.councils import roundtables
    from yishi.projects.implementation import comment
    from yishi.projects.models import Project

    settings.YISHI_MODERATION_AUTO_APPROVE = True  # published, so the public pages list them
    project = Project.objects.order_by("pk").first()
    street = project.cycle.unit
    # Four residents of one community: a call is raised in the raiser's own community.
    of_street = User.objects.filter(home_unit__parent=street, role_assignments__role="resident")
    community = of_street.order_by("pk").first().home_unit
    residents = list(of_street.filter(home_unit=community).order_by("pk")[:4])
    assert len(residents) == 4

    def add(resident, n):
        comment(resident, project, f"第{n}条意见：路面还没修好。")
        roundtables.raise_call(resident, community, f"第{n}条呼声：路灯不亮。")

    add(residents[0], 0)
    urls = [f"/projects/{project.pk}/", "/councils/calls/"]
    for url in urls:
        _cost(client, url)  # warm: content types, the cache
    before = {url: _cost(client, url) for url in urls}
    for n, resident in enumerate(residents[1:], start=1):
        add(resident, n)
    assert {url: _cost(client, url) for url in urls} == before
    assert "第3条呼声" in client.get("/councils/calls/").content.decode()
