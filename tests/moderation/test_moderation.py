"""Moderation of residents' texts: held until approved, the same rule on pages, API and Open311;
moderators act only in their street; bad input changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests.permission_matrix import assert_matrix
from yishi.core.models import AuditRecord
from yishi.core.permissions import has_perm
from yishi.moderation import services
from yishi.moderation.models import ModerationItem, ModerationState, Report, SensitiveWord
from yishi.moderation.queries import PENDING_TEXT, published

MASKED = "138****5678"
NUMBER = "13812345678"


def _item(obj):
    return ModerationItem.objects.get(object_id=obj.pk, content_type__model=obj._meta.model_name)


def test_moderate_rule_matrix(people, xihu):
    assert_matrix(people, xihu, lambda u, unit: has_perm(u, "moderation.moderate", unit),
                  in_scope={"district_staff", "street_staff"}, out_of_scope={"district_staff"})


def test_word_list_rule_matrix(people, xihu):
    assert_matrix(people, xihu, lambda u, unit: has_perm(u, "moderation.edit_words", unit),
                  in_scope={"district_staff"}, out_of_scope={"district_staff"})


def test_a_new_opinion_waits_and_the_public_sees_only_that(submit, people):
    opinion = submit()
    item = _item(opinion)
    assert item.state == ModerationState.PENDING
    assert item.personal == ["mobile"]
    assert item.public["text"] == f"楼道口停满电动车，请联系{MASKED}。"
    assert published(opinion, "text", None) == str(PENDING_TEXT)
    assert published(opinion, "title", None) == str(PENDING_TEXT)
    # The author reads their own text as written.
    assert published(opinion, "text", people["resident"]) == opinion.text
    assert AuditRecord.objects.filter(action="moderation.submit").count() == 1


def test_pages_api_and_open311_agree_before_and_after_approval(client, submit, people):
    opinion = submit()
    public = Client()
    board = public.get("/opinions/").content.decode()
    detail = public.get(f"/opinions/{opinion.number}/").content.decode()
    api_list = public.get("/api/opinions").json()
    api_one = public.get(f"/api/opinions/{opinion.number}").json()
    open311 = public.get("/open311/v2/requests.json").json()
    for page in (board, detail):
        assert "内容审核中" in page and "电动车乱停放" not in page and NUMBER not in page
    assert [o["text"] for o in api_list if o["number"] == opinion.number] == ["内容审核中"]
    assert api_one["title"] == api_one["text"] == "内容审核中"
    assert [r["description"] for r in open311
            if r["service_request_id"] == opinion.number] == ["内容审核中"]

    # The author sees their own text on the page and in the API.
    client.force_login(people["resident"])
    mine = client.get(f"/opinions/{opinion.number}/").content.decode()
    assert opinion.text in mine and "只有您和审核员" in mine
    assert client.get(f"/api/opinions/{opinion.number}").json()["text"] == opinion.text

    services.approve(people["street_staff"], _item(opinion))
    board = public.get("/opinions/").content.decode()
    detail = public.get(f"/opinions/{opinion.number}/").content.decode()
    assert "电动车乱停放" in board
    assert MASKED in detail and NUMBER not in detail and "举报" in detail
    assert public.get(f"/api/opinions/{opinion.number}").json()["text"].endswith(f"{MASKED}。")
    assert [r["description"] for r in public.get("/open311/v2/requests.json").json()
            if r["service_request_id"] == opinion.number] == [f"楼道口停满电动车，请联系{MASKED}。"]
    assert NUMBER not in public.get("/opinions/export.csv").content.decode()


def test_edit_and_approve_keeps_the_original_and_audits_the_edit(submit, people):
    opinion = submit()
    item = _item(opinion)
    services.edit_and_approve(people["street_staff"], item,
                              {"title": "电动车停放", "text": "楼道口停满电动车 电话13912345678"})
    item.refresh_from_db()
    assert item.state == ModerationState.EDITED
    assert item.original["text"] == "楼道口停满电动车，请联系13812345678。"
    assert item.public["text"] == "楼道口停满电动车 电话139****5678"
    assert published(opinion, "title", None) == "电动车停放"
    record = AuditRecord.objects.get(action="moderation.edit")
    assert record.after["public"]["title"] == "电动车停放"
    opinion.refresh_from_db()
    assert opinion.text == "楼道口停满电动车，请联系13812345678。"  # the author's record unchanged


def test_edit_that_still_holds_a_word_is_refused_and_changes_nothing(submit, people, words):
    opinion = submit(text="有人在楼道里赌博")
    item = _item(opinion)
    assert item.words == ["赌博"]
    with pytest.raises(ValidationError) as refused:
        services.edit_and_approve(people["street_staff"], item, {"text": "有人在楼道里赌 。博"})
    assert "赌博" in refused.value.message_dict["text"][0]
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING and item.public["text"] == "有人在楼道里赌博"


def test_hide_needs_a_reason_which_the_author_reads(client, submit, people):
    opinion = submit()
    item = _item(opinion)
    with pytest.raises(ValidationError):
        services.hide(people["street_staff"], item, "  ")
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING
    services.hide(people["street_staff"], item, "含有他人的个人信息")
    assert "已被审核员隐藏" in Client().get(f"/opinions/{opinion.number}/").content.decode()
    client.force_login(people["resident"])
    page = client.get(f"/opinions/{opinion.number}/").content.decode()
    assert "含有他人的个人信息" in page and opinion.text in page


def test_moderator_of_another_street_is_refused_and_nothing_changes(
        submit, beishan_staff, client, verified_login):
    opinion = submit()
    item = _item(opinion)
    with pytest.raises(PermissionDenied):
        services.approve(beishan_staff, item)
    with pytest.raises(PermissionDenied):
        services.hide(beishan_staff, item, "无关")
    verified_login(beishan_staff)
    assert client.get(f"/moderation/items/{item.pk}/").status_code == 404
    assert client.post(f"/moderation/items/{item.pk}/approve/").status_code == 404
    assert client.post(f"/moderation/items/{item.pk}/hide/", {"reason": "x"}).status_code == 404
    assert item.pk not in [i.pk for i in client.get("/moderation/").context["page"]]
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING
    assert not AuditRecord.objects.filter(action__in=["moderation.approve", "moderation.hide"])


def test_moderator_approves_from_the_queue_seeing_the_masked_text(
        submit, people, client, verified_login):
    opinion = submit()
    item = _item(opinion)
    verified_login(people["street_staff"])
    queue = client.get("/moderation/").content.decode()
    assert MASKED in queue and NUMBER not in queue
    response = client.post(f"/moderation/items/{item.pk}/approve/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == ModerationState.APPROVED and item.decided_by == people["street_staff"]


def test_edit_form_with_an_empty_text_shows_the_error_and_changes_nothing(
        submit, people, client, verified_login):
    item = _item(submit())
    verified_login(people["street_staff"])
    response = client.post(f"/moderation/items/{item.pk}/edit/", {"title": "标题", "text": ""})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING


def test_a_report_sends_a_published_text_back_once(submit, people):
    opinion = submit()
    item = _item(opinion)
    services.approve(people["street_staff"], item)
    services.report(item, "含有广告", user=people["council_member"])
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING and item.reports == 1
    with pytest.raises(ValidationError):
        services.report(item, "再报一次", user=people["council_member"])
    with pytest.raises(ValidationError):
        services.report(item, "", user=people["deputy"])
    assert Report.objects.count() == 1


def test_an_anonymous_visitor_reports_through_the_page(submit, people):
    opinion = submit()
    item = _item(opinion)
    services.approve(people["street_staff"], item)
    visitor = Client()
    assert visitor.get(f"/moderation/report/{item.pk}/").status_code == 200
    response = visitor.post(f"/moderation/report/{item.pk}/", {"reason": "泄露隐私"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING
    assert visitor.post(f"/moderation/report/{item.pk}/", {"reason": "again"}).status_code == 400
    assert Report.objects.count() == 1


def test_reports_are_throttled(submit, people, settings):
    services.REPORTS_PER_WINDOW  # noqa: B018 - the limit the loop below exceeds
    items = []
    for n in range(services.REPORTS_PER_WINDOW + 1):
        item = _item(submit(title=f"事项{n}"))
        services.approve(people["street_staff"], item)
        items.append(item)
    for item in items[:-1]:
        services.report(item, "广告", address="10.0.0.9")
    with pytest.raises(ValidationError) as refused:
        services.report(items[-1], "广告", address="10.0.0.9")
    assert refused.value.code == "throttled"
    items[-1].refresh_from_db()
    assert items[-1].state == ModerationState.APPROVED


def test_clean_texts_are_approved_automatically_only_when_the_district_chose_it(
        submit, settings, words):
    assert _item(submit()).state == ModerationState.PENDING
    settings.YISHI_MODERATION_AUTO_APPROVE = True
    clean = _item(submit(title="路灯不亮"))
    assert clean.state == ModerationState.APPROVED
    assert _item(submit(title="有人赌 博")).state == ModerationState.PENDING


def test_word_list_page_is_the_districts_and_audited(people, client, verified_login):
    verified_login(people["street_staff"])
    assert client.get("/moderation/words/").status_code == 403
    client.logout()
    verified_login(people["district_staff"])
    assert client.post("/moderation/words/", {"word": "办 证"}).status_code == 302
    row = SensitiveWord.objects.get()
    assert row.normalized == "办证"
    response = client.post("/moderation/words/", {"word": "办-证"})
    assert response.status_code == 400 and "已在列表中" in response.content.decode()
    assert client.post("/moderation/words/", {"word": "。。"}).status_code == 400
    client.post(f"/moderation/words/{row.pk}/remove/")
    assert not SensitiveWord.objects.exists()
    assert list(AuditRecord.objects.filter(action__startswith="moderation.")
                .values_list("action", flat=True)) == ["moderation.add_word",
                                                       "moderation.remove_word"]


def test_project_comment_objection_call_and_question_are_held(people, xihu):
    """The other publishing points create an item too (one each here, by their services)."""
    from tests.core.test_workflow import _council
    from yishi.councils import roundtables

    _council(people, xihu)
    call = roundtables.raise_call(people["resident"], xihu["xixi_community"],
                                  "小区门口积水，电话13812345678")
    item = _item(call)
    assert item.state == ModerationState.PENDING and item.street == xihu["xixi"]
    assert published(call, "description", None) == str(PENDING_TEXT)
    services.approve(people["street_staff"], item)
    call.refresh_from_db()
    del call._moderation_item  # read again, as the next request would
    assert published(call, "description", None) == f"小区门口积水，电话{MASKED}"


def test_api_queue_decisions_and_errors(submit, people, beishan_staff, client, verified_login,
                                        words):
    opinion = submit()
    item = _item(opinion)
    verified_login(beishan_staff)
    assert client.get(f"/api/moderation/items/{item.pk}").status_code == 404
    assert client.post(f"/api/moderation/items/{item.pk}/approve").status_code == 404
    assert client.get("/api/moderation/items").json() == []
    client.logout()
    verified_login(people["street_staff"])
    listed = client.get("/api/moderation/items").json()
    assert [row["id"] for row in listed] == [item.pk]
    assert listed[0]["public"]["text"].endswith(f"{MASKED}。")
    detail = client.get(f"/api/moderation/items/{item.pk}").json()
    assert {a["name"] for a in detail["actions"]} == {"approve", "edit", "hide"}
    response = client.post(f"/api/moderation/items/{item.pk}/edit",
                           {"public": {"text": "赌 博"}}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"
    response = client.post(f"/api/moderation/items/{item.pk}/hide", {"reason": ""},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "reason"
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING
    response = client.post(f"/api/moderation/items/{item.pk}/approve")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    again = client.post(f"/api/moderation/items/{item.pk}/approve")
    assert again.status_code in (409, 422)
    public = Client()
    reported = public.post(f"/api/moderation/items/{item.pk}/report", {"reason": "广告"},
                           content_type="application/json")
    assert reported.status_code == 201
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING
