from tests.opinions.test_loop import intake
from yishi.opinions import search, services


def test_chinese_search_finds_words_in_title_text_and_replies(people, xihu, category, platform,
                                                              handler):
    lift = services.submit_opinion(people["resident"], intake(
        xihu, category, title="莫干山路79号加装电梯进度", text="老人上下楼困难，希望尽快开工。"))
    park = services.submit_opinion(people["resident"], intake(
        xihu, category, title="口袋公园晚上太暗", text="建议增加路灯。"))
    assert [o.pk for o in search.search("加装电梯")] == [lift.pk]
    assert [o.pk for o in search.search("电梯 老人")] == [lift.pk]
    assert search.search("电梯 路灯") == []            # every word must match
    assert [o.pk for o in search.search("路灯")] == [park.pk]
    assert search.search("   ") == [] and search.search("，。！") == []
    services.accept_opinion(people["street_staff"], park)
    services.assign_opinion(people["street_staff"], park, [platform])
    services.reply_to_opinion(handler, park, "已安装太阳能灯具。")
    assert [o.pk for o in search.search("太阳能")] == [park.pk]
    # Scoped to a queryset (e.g. the public board of one street).
    assert search.search("路灯", rows=park.__class__.objects.filter(street=xihu["beishan"])) == []
    # Quotes and operators in a query are text, not syntax: no database error.
    search.search('路灯" OR "* NEAR(')
    search.search("路灯' & !")
