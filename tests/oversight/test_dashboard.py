"""The district dashboard on the demo: every figure of every street opens a list whose length
equals the figure; the Excel export holds the same figures; only the district sees it."""

import io
import re
from html import unescape

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yishi.core.models import User
from yishi.oversight import dashboard, queries

CELL = re.compile(r'href="(/oversight/dashboard/\d+/([\w_]+)/(\w+)/)"[^>]*>(\d+)</a>')


@pytest.fixture
def district_client(demo, verified_login):
    return verified_login(User.objects.get(mobile="13900000001"))


def test_every_figure_equals_the_length_of_its_list(district_client):
    from datetime import timedelta

    from yishi.opinions.models import AWAITING_REPLY, Opinion

    year = timezone.localdate().year
    # The demo answers its opinions in time: make two late, so that figure is checked too.
    late = Opinion.objects.filter(state__in=AWAITING_REPLY).values_list("pk", flat=True)[:2]
    Opinion.objects.filter(pk__in=list(late)).update(
        reply_deadline=timezone.now() - timedelta(days=1))
    page = district_client.get(f"/oversight/dashboard/{year}/").content.decode()
    cells = CELL.findall(page)
    assert len(cells) == queries.streets().count() * len(dashboard.FIGURES)
    assert sum(int(count) for *_rest, count in cells) > 0  # the demo fills the board
    seen = set()
    for url, key, code, count in cells:
        # Every page of the list, following its "next" link to the last: the rows add up to
        # the figure, each once.
        items, address = [], url
        while address:
            drill = district_client.get(address)
            assert drill.status_code == 200
            text = drill.content.decode()
            listed = re.search(r'<ol class="plain-list[^"]*" id="drill"[^>]*>(.*?)</ol>', text,
                               re.S).group(1)
            items += re.findall(r"<li>(.*?)</li>", listed)
            shown = re.search(r'<span id="drill-count">\D*(\d+)\D*</span>', text).group(1)
            assert shown == count, (key, code)  # "共 N 条" above every page
            after = re.search(r'<a href="([^"]*)" rel="next">', text)
            address = url + unescape(after.group(1)) if after else None
        assert len(items) == int(count), (key, code)
        assert len(set(items)) == len(items), (key, code)  # each links its own row
        if int(count):
            seen.add(key)
    # Every figure is non-zero somewhere in the demo, so every one was really checked.
    assert seen == {f.key for f in dashboard.FIGURES}


def test_excel_export_matches_the_board(district_client):
    year = timezone.localdate().year
    response = district_client.get(f"/oversight/dashboard/{year}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    board = dashboard.board(queries.streets(), year)
    assert len([r for r in rows[1:] if r and r[0]]) >= len(board)
    for row, expected in zip(rows[1:], board, strict=False):
        assert list(row[1:1 + len(dashboard.FIGURES)]) == [c for _f, c in expected["figures"]]


@pytest.mark.parametrize("mobile", ["13900010101", "13900030101", "13900040101"])
def test_only_the_district_sees_the_board(demo, verified_login, mobile):
    client = verified_login(User.objects.get(mobile=mobile))  # street staff, deputy, member
    year = timezone.localdate().year
    assert client.get(f"/oversight/dashboard/{year}/").status_code == 403
    assert client.get(f"/oversight/dashboard/{year}.xlsx").status_code == 403
    code = queries.streets().first().code
    assert client.get(f"/oversight/dashboard/{year}/opinions_received/{code}/").status_code == 403


def test_board_queries_are_constant_in_the_number_of_streets(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    year = timezone.localdate().year
    streets = list(queries.streets())
    with CaptureQueriesContext(connection) as few:
        dashboard.board(streets[:2], year)
    with CaptureQueriesContext(connection) as all_of_them:
        board = dashboard.board(streets, year)
    # One query per figure; the overdue opinions count their two kinds apart (on two indexes).
    assert len(few) == len(all_of_them) == len(dashboard.FIGURES) + 1
    # The grouped figures are those of the per-street querysets the drill-downs list.
    for row in board:
        for figure, count in row["figures"]:
            assert count == figure.rows(row["street"], year).count(), (figure.key, row["street"])


def test_trends_add_up_to_the_board(district_client):
    year = timezone.localdate().year
    board = dashboard.board(queries.streets(), year)
    for figure in dashboard.TRENDS:
        months = dashboard.trend(figure, year)
        column = sum(count for row in board for f, count in row["figures"] if f is figure)
        assert sum(months) == column, figure.key
        page = district_client.get(f"/oversight/dashboard/{year}/?trend={figure.key}")
        table = re.search(r'<table id="trend">.*?</table>', page.content.decode(), re.S).group(0)
        assert [int(n) for n in re.findall(r"<td>(\d+)</td>", table)] == months
    page = district_client.get(f"/oversight/dashboard/{year}/").content.decode()
    grid = re.search(r'<ul class="card-grid" id="street-grid">(.*?)</ul>\n</section>', page,
                     re.S).group(1)
    assert grid.count('<li class="card">') == queries.streets().count()


def test_trend_months_are_local_months(demo):
    """The trend counts each row in its month in Shanghai time: an opinion sent at 00:30 on
    1 April (16:30 UTC on 31 March) is April's, one sent at 23:30 on 31 March is March's."""
    from datetime import UTC, datetime

    from yishi.opinions.models import Opinion

    year = timezone.localdate().year
    figure = dashboard.BY_KEY["opinions_received"]
    before = dashboard.trend(figure, year)
    first, second = Opinion.objects.order_by("pk")[:2]
    Opinion.objects.filter(pk=first.pk).update(created_at=datetime(year, 3, 31, 16, 30, tzinfo=UTC))
    Opinion.objects.filter(pk=second.pk).update(created_at=datetime(year, 3, 31, 15, 30,
                                                                    tzinfo=UTC))
    after = dashboard.trend(figure, year)
    rows = figure.rows(None, year)
    expected = [0] * 12
    for moment in rows.values_list("created_at", flat=True):
        expected[timezone.localtime(moment).month - 1] += 1
    assert after == expected
    assert sum(after) == rows.count() and after != before
