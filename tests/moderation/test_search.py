"""The board's search matches only what the public reads: nothing of a title or text that is
held or hidden, the approved version (masked, or the moderator's edit) once published, and the
replies — on SQLite (FTS5) and PostgreSQL (search_vector) alike, since both index
search_tokens."""

from yishi.moderation import services
from yishi.moderation.models import ModerationItem
from yishi.opinions import search
from yishi.opinions import services as opinions

TEXT = "翠柏路口的井盖松动了，夜里骑车危险，请联系13812345678。"


def _item(opinion):
    return ModerationItem.objects.get(object_id=opinion.pk, content_type__model="opinion")


def _found(query):
    return [o.pk for o in search.search(query)]


def _on_board(client, query, opinion):
    html = client.get("/opinions/", {"q": query}).content.decode()
    return f"/opinions/{opinion.number}/" in html


def test_held_and_hidden_texts_are_not_found(submit, people, client):
    opinion = submit(text=TEXT, title="井盖松动")
    assert _item(opinion).state == "pending"
    # Accepted and public: the board lists it as "content under review", but its words do
    # not find it.
    assert _found("井盖") == [] and _found("翠柏") == []
    assert not _on_board(client, "井盖", opinion)
    assert _on_board(client, "", opinion)

    services.approve(people["street_staff"], _item(opinion))
    assert _found("井盖") == [opinion.pk] and _found("翠柏 骑车") == [opinion.pk]
    assert _on_board(client, "井盖", opinion)
    # The public reads 138****5678: the hidden digits find nothing (jieba cuts the number
    # into 138 / 12345 / 678; the masked one into 138 / 5678).
    assert _found("12345") == [] and _found("5678") == [opinion.pk]

    services.hide(people["street_staff"], _item(opinion), "与公共事务无关。")
    assert _found("井盖") == [] and not _on_board(client, "井盖", opinion)
    services.reconsider(people["street_staff"], _item(opinion))
    assert _found("井盖") == []


def test_an_edited_text_is_found_by_its_public_words_only(submit, people):
    opinion = submit(text=TEXT, title="井盖松动")
    services.edit_and_approve(people["street_staff"], _item(opinion),
                              {"text": "路口的井盖松动了，夜里骑车危险。"})
    assert _found("井盖") == [opinion.pk]
    assert _found("翠柏") == [] and _found("12345") == []  # the moderator took them out


def test_a_reply_keeps_a_held_text_unfindable(submit, people, xihu):
    from yishi.core.models import Role, RoleAssignment, User

    opinion = submit(text=TEXT, title="井盖松动")
    department = xihu["xixi"].departments.first()
    handler = User.objects.create_user("13811110009", name="经办人")
    RoleAssignment.objects.create(user=handler, role=Role.DEPARTMENT_HANDLER, unit=xihu["xixi"],
                                  department=department)
    opinions.assign_opinion(people["street_staff"], opinion, [department])
    opinions.reply_to_opinion(handler, opinion, "已安排维修人员更换井盖底座。")
    assert _found("维修人员") == [opinion.pk]  # replies are public
    assert _found("翠柏") == []
