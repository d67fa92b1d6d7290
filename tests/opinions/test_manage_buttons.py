"""The staff page of an opinion offers exactly the transitions allowed now to the person looking
(read from workflows.OPINION through allowed()), and each offered button works."""

import re

import pytest
from django.urls import reverse

from yishi.core.workflow import allowed_names
from yishi.opinions import services
from yishi.opinions.models import Opinion, OpinionState
from yishi.opinions.workflows import OPINION

from .test_loop import intake

pytestmark = pytest.mark.django_db

# The page's action slug for each transition it offers.
SLUGS = {"accept": "accept", "refuse": "refuse", "assign": "assign", "start": "start",
         "reply": "reply", "close_supervised": "close", "merge": "merge"}


def offered(page: str, number: str) -> set[str]:
    slugs = set(re.findall(rf'/opinions/manage/{number}/([a-z-]+)/', page))
    return {name for name, slug in SLUGS.items() if slug in slugs}


def test_buttons_follow_the_workflow(client, people, xihu, category, platform, handler,
                                     verified_login):
    staff = people["street_staff"]
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    url = reverse("opinions:manage", args=[opinion.number])
    verified_login(staff)
    page = client.get(url).content.decode()
    assert offered(page, opinion.number) == {"accept", "refuse", "merge"}
    assert offered(page, opinion.number) == set(allowed_names(opinion, staff)) & set(SLUGS)

    client.post(reverse("opinions:manage_action", args=[opinion.number, "accept"]))
    page = client.get(url).content.decode()
    assert offered(page, opinion.number) == {"assign", "merge"}

    services.assign_opinion(staff, opinion, [platform])
    verified_login(handler)
    opinion.refresh_from_db()
    page = client.get(url).content.decode()
    assert offered(page, opinion.number) == {"start", "reply"}
    assert offered(page, opinion.number) == set(allowed_names(opinion, handler,
                                                              workflow=OPINION)) & set(SLUGS)
    client.post(reverse("opinions:manage_action", args=[opinion.number, "start"]))
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.HANDLING
    page = client.get(url).content.decode()
    assert offered(page, opinion.number) == {"reply"}
