"""Opinion pages through the test client: the resident's form, the public board (masked), the
staff queue and its actions; and concurrency."""

import pytest
from django.urls import reverse

from tests.core.test_concurrency import run_together
from tests.opinions.test_loop import intake
from yishi.opinions import services, tasks
from yishi.opinions.models import Opinion, OpinionState, Support


def test_resident_submits_through_the_form(client, people, xihu, category):
    client.force_login(people["resident"])
    bad = client.post(reverse("opinions:submit"), {"title": "路灯", "text": "",
                                                    "category": category.pk,
                                                    "community": xihu["xixi_community"].pk})
    assert bad.status_code == 400 and "text" in bad.context["form"].errors
    assert not Opinion.objects.exists()
    good = client.post(reverse("opinions:submit"), {
        "title": "路灯不亮", "text": "东门三盏路灯坏了。", "category": category.pk,
        "community": xihu["xixi_community"].pk, "is_public": "on"})
    assert good.status_code == 302
    opinion = Opinion.objects.get()
    page = client.get(good.url).content.decode()
    assert opinion.number in page and "路灯不亮" in page


def test_public_board_masks_people(client, people, xihu, category):
    people["resident"].name = "王秀英"
    people["resident"].save()
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(people["street_staff"], opinion)
    html = client.get(reverse("opinions:board")).content.decode()
    assert opinion.title in html
    detail = client.get(reverse("opinions:detail", args=[opinion.number])).content.decode()
    assert people["resident"].mobile not in detail and people["resident"].name not in detail
    assert opinion.public_name == "王**" and "王**" in detail
    filtered = client.get(reverse("opinions:board"), {"street": xihu["beishan"].code})
    assert opinion.title not in filtered.content.decode()


def test_private_opinions_stay_private(client, people, xihu, category):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category, is_public=False))
    services.accept_opinion(people["street_staff"], opinion)
    assert client.get(reverse("opinions:detail", args=[opinion.number])).status_code == 404
    client.force_login(people["resident"])
    assert client.get(reverse("opinions:detail", args=[opinion.number])).status_code == 200


def test_staff_queue_and_actions(client, people, xihu, category, platform, handler,
                                 verified_login):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    verified_login(people["street_staff"])
    queue = client.get(reverse("opinions:queue")).content.decode()
    assert opinion.number in queue
    client.post(reverse("opinions:manage_action", args=[opinion.number, "accept"]))
    client.post(reverse("opinions:manage_action", args=[opinion.number, "assign"]),
                {"lead": platform.pk})
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.ASSIGNED
    verified_login(handler)
    assert opinion.number in client.get(reverse("opinions:queue")).content.decode()
    client.post(reverse("opinions:manage_action", args=[opinion.number, "reply"]), {"text": ""})
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.ASSIGNED
    client.post(reverse("opinions:manage_action", args=[opinion.number, "reply"]),
                {"text": "已处理"})
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.REPLIED
    client.force_login(people["resident"])
    client.post(reverse("opinions:rate", args=[opinion.number]), {"rating": "basically"})
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.CLOSED


def test_queue_is_scoped(client, people, xihu, category, verified_login):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    from yishi.core.models import Role, RoleAssignment, User

    other = User.objects.create_user("13833330000", name="北山")
    RoleAssignment.objects.create(user=other, role=Role.STREET_STAFF, unit=xihu["beishan"])
    verified_login(other)
    assert opinion.number not in client.get(reverse("opinions:queue")).content.decode()
    assert client.get(reverse("opinions:manage", args=[opinion.number])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_numbers(people, xihu, category):
    outcomes = run_together(lambda i: services.submit_opinion(
        people["resident"], intake(xihu, category, title=f"意见{i}")), count=6)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    numbers = set(Opinion.objects.values_list("number", flat=True))
    assert len(numbers) == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_me_too_counts_once_each(people, xihu, category):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    supporters = [people[r] for r in ("deputy", "council_member", "expert", "street_staff")]
    outcomes = run_together(lambda i: services.support_opinion(supporters[i % 4], opinion),
                            count=8)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 4
    assert Opinion.objects.get(pk=opinion.pk).supports == Support.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_fire_once(people, xihu, category):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    outcomes = run_together(lambda i: services.accept_opinion(people["street_staff"],
                                                              Opinion.objects.get(pk=opinion.pk)),
                            count=6)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert opinion.timeline.filter(action="accept").count() == 1


def test_board_search(client, people, xihu, category):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category,
                                                                 title="加装电梯进度"))
    services.accept_opinion(people["street_staff"], opinion)
    assert opinion.number in client.get("/opinions/", {"q": "电梯"}).content.decode()
    assert opinion.number not in client.get("/opinions/", {"q": "垃圾"}).content.decode()


def test_board_pages_keep_filters_without_counting(client, people, xihu, category):
    for n in range(22):
        opinion = services.submit_opinion(people["resident"], intake(xihu, category,
                                                                     title=f"意见{n:02d}"))
        services.accept_opinion(people["street_staff"], opinion)
    first = client.get("/opinions/", {"street": xihu["xixi"].code})
    html = first.content.decode()
    assert "意见21" in html and "意见01" not in html
    assert f"street={xihu['xixi'].code}&amp;page=2" in html or "page=2&amp;street" in html
    second = client.get("/opinions/", {"street": xihu["xixi"].code, "page": 2}).content.decode()
    assert "意见01" in second and "意见00" in second
    assert client.get("/opinions/", {"page": "x"}).status_code == 200


def test_photos_are_checked_and_stripped(client, people, xihu, category, settings, tmp_path):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["resident"])
    base = {"title": "井盖破损", "text": "路口井盖破了。", "category": category.pk,
            "community": xihu["xixi_community"].pk}
    fake = SimpleUploadedFile("photo.jpg", b"MZ not a photo", content_type="image/jpeg")
    bad = client.post(reverse("opinions:submit"), {**base, "photos": [fake]})
    assert bad.status_code == 400 and "photos" in bad.context["form"].errors
    assert not Opinion.objects.exists()
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(buffer, "JPEG")
    good = client.post(reverse("opinions:submit"), {
        **base, "photos": [SimpleUploadedFile("a.jpg", buffer.getvalue())]})
    assert good.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.photos.count() == 1 and opinion.photos.get().content_type == "image/jpeg"
    four = [SimpleUploadedFile(f"{n}.jpg", buffer.getvalue()) for n in range(4)]
    too_many = client.post(reverse("opinions:submit"), {**base, "photos": four})
    assert too_many.status_code == 400 and Opinion.objects.count() == 1


def test_followers_hear_about_the_reply(client, people, xihu, category, platform, handler):
    from yishi.core.models import Notification

    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(people["street_staff"], opinion)
    services.support_opinion(people["deputy"], opinion)  # "me too" also follows
    client.force_login(people["expert"])
    client.post(reverse("opinions:follow", args=[opinion.number]))
    client.force_login(people["council_member"])
    client.post(reverse("opinions:follow", args=[opinion.number]))
    client.post(reverse("opinions:follow", args=[opinion.number]), {"follow": "0"})
    services.assign_opinion(people["street_staff"], opinion, [platform])
    services.reply_to_opinion(handler, opinion, "已处理")
    for follower in ("deputy", "expert"):
        assert Notification.objects.filter(recipient=people[follower],
                                           subject__contains=opinion.number).exists()
    assert not Notification.objects.filter(recipient=people["council_member"],
                                           subject__contains=opinion.number).exists()
    assert Opinion.objects.get(pk=opinion.pk).supports == 1  # following is not "me too"


def test_board_filters_by_community_and_period(client, people, xihu, category):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category, title="门禁坏了"))
    services.accept_opinion(people["street_staff"], opinion)
    other = xihu["xixi"].children.exclude(pk=xihu["xixi_community"].pk).first()
    base = {"street": xihu["xixi"].code}
    assert "门禁坏了" in client.get("/opinions/", {**base, "community": xihu["xixi_community"].code}).content.decode()
    assert "门禁坏了" not in client.get("/opinions/", {**base, "community": other.code}).content.decode()
    assert "门禁坏了" not in client.get("/opinions/", {"start": "2099-01-01"}).content.decode()
    assert "门禁坏了" in client.get("/opinions/", {"end": "2099-01-01"}).content.decode()
    assert client.get("/opinions/", {"start": "not a date"}).status_code == 200
    assert client.get("/opinions/", {"start": "2026-13-45"}).status_code == 200
    assert client.get("/opinions/statistics/", {"end": "2026-02-30"}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_deadline_worker_in_several_copies_escalates_once(people, xihu, category):
    from datetime import timedelta

    from yishi.core.models import AuditRecord

    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    late = opinion.accept_deadline + timedelta(hours=1)
    outcomes = run_together(lambda i: tasks.run_deadlines(late), count=6)
    assert sum(v[1] for kind, v in outcomes if kind == "ok") == 1, outcomes
    assert AuditRecord.objects.filter(action="opinions.overdue").count() == 1


def test_a_refused_action_keeps_what_was_typed(client, people, xihu, category, platform, handler,
                                               verified_login):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(people["street_staff"], opinion)
    services.assign_opinion(people["street_staff"], opinion, [platform])
    verified_login(handler)
    same = client.post(reverse("opinions:manage_action", args=[opinion.number, "transfer"]),
                       {"department": platform.pk, "reason": "这是城管的事，请转交"})
    assert same.status_code == 400 and "这是城管的事，请转交" in same.content.decode()
    verified_login(people["street_staff"])
    merge = client.post(reverse("opinions:manage_action", args=[opinion.number, "merge"]),
                        {"into": "2026999"})
    assert merge.status_code == 400 and 'value="2026999"' in merge.content.decode()
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.ASSIGNED


def test_timeline_says_who_in_the_readers_language(client, people, xihu, category):
    """The timeline's "by" is stored in the language of the request that took the step: a step
    taken on the Chinese page read 居民 / 人大街道工委 on the English one."""
    from django.utils import translation

    with translation.override("zh-hans"):
        opinion = services.submit_opinion(people["resident"], intake(xihu, category))
        services.accept_opinion(people["street_staff"], opinion)
    assert set(opinion.timeline.values_list("actor_label", flat=True)) == {"居民", "人大街道工委"}
    url = reverse("opinions:detail", args=[opinion.number])
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "· Resident</span>" in english and "· Street committee</span>" in english
    assert "居民</span>" not in english and "人大街道工委</span>" not in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url).content.decode()
    assert "· 居民</span>" in chinese and "· 人大街道工委</span>" in chinese
    # The API's timeline says who in the reader's language too.
    client.force_login(people["resident"])
    client.cookies["django_language"] = "en"
    timeline = client.get(f"/api/opinions/{opinion.number}").json()["timeline"]
    assert {t["by"] for t in timeline} == {"Resident", "Street committee"}
