from io import BytesIO

from openpyxl import load_workbook

from tests.opinions.test_loop import intake
from yishi.opinions import services, stats
from yishi.opinions.models import Rating


def test_figures_per_street_and_department(client, people, xihu, category, platform,
                                           handler):
    staff = people["street_staff"]
    for n, rating in enumerate([Rating.SATISFIED, Rating.UNSATISFIED]):
        opinion = services.submit_opinion(people["resident"], intake(xihu, category,
                                                                     title=f"意见{n}"))
        services.accept_opinion(staff, opinion)
        services.assign_opinion(staff, opinion, [platform])
        services.reply_to_opinion(handler, opinion, "答复")
        if rating == Rating.SATISFIED:
            services.rate_opinion(people["resident"], opinion, rating)
    services.submit_opinion(people["resident"], intake(xihu, category, title="未受理"))
    xixi = next(r for r in stats.by_street() if r.key == "330106002")
    assert (xixi.received, xixi.replied, xixi.on_time, xixi.rated, xixi.satisfied) == (3, 2, 2, 1, 1)
    assert xixi.on_time_rate == 1.0 and xixi.satisfaction_rate == 1.0
    assert xixi.average_days == 0
    departments = {r.label: r for r in stats.by_department(xihu["xixi"])}
    assert departments[str(platform)].received == 2 and departments[str(platform)].replied == 2
    page = client.get("/opinions/statistics/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    csv_text = client.get("/opinions/statistics/?format=csv").content.decode("utf-8-sig")
    assert "西溪街道,3,2,2" in csv_text
    book = load_workbook(BytesIO(client.get("/opinions/statistics/",
                                            {"street": "330106002", "format": "xlsx"}).content))
    # A row per department, one per month (all in this month here) and the total.
    assert book.active.max_row == 1 + xihu["xixi"].departments.count() + 1 + 1
