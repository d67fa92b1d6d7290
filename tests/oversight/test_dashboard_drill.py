"""The dashboard's drill-down is paged: every row of a figure once across its pages, newest
first, the figure's count above the list, two queries however many rows, any page parameter
answered with a page (never a 500), and only the district let in."""

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yishi.core.models import User
from yishi.opinions.models import Opinion
from yishi.oversight import dashboard, queries

NUMBER = re.compile(r'<li>(\d{4}-\d\d-\d\d) · <a href="/opinions/manage/([^/]+)/">')
COUNT = re.compile(r'<span id="drill-count">\D*(\d+)\D*</span>')  # 共 N 条 / N in all


@pytest.fixture
def district_client(demo, verified_login):
    return verified_login(User.objects.get(mobile="13900000001"))


def _add_opinions(street, year, n, *, at=None):
    """n more opinions the street received in `year`; those given `at` all at that moment (so
    only the id tells them apart)."""
    template = Opinion.objects.filter(street=street).first() or Opinion.objects.first()
    start = timezone.make_aware(datetime(year, 1, 1, 12))
    first = Opinion.objects.filter(number__startswith="T").count()
    rows = [Opinion(number=f"T{year}{street.pk:03d}{first + i:05d}", title=f"测试意见 {i}", text="测试",
                    category_id=template.category_id, street=street, contact_name="测试",
                    accept_deadline=start + timedelta(days=30),
                    created_at=at or start + timedelta(hours=i))
            for i in range(n)]
    Opinion.objects.bulk_create(rows)


def _figure(street, year, key="opinions_received"):
    row = next(r for r in dashboard.board([street], year) if r["street"] == street)
    return next(count for f, count in row["figures"] if f.key == key)


def _walk(client, url):
    """Every page of a drill-down from its first, by the pager's "next" link: the (date,
    number) of each row in the order shown, and the pages' texts."""
    rows, texts, address = [], [], url
    while address:
        response = client.get(address)
        assert response.status_code == 200
        text = response.content.decode()
        texts.append(text)
        rows += NUMBER.findall(text)
        after = re.search(r'<a href="([^"]*)" rel="next">', text)
        address = url + unescape(after.group(1)) if after else None
    return rows, texts


def test_every_row_is_on_exactly_one_page_and_the_count_is_the_figure(district_client):
    year = timezone.localdate().year
    street = queries.streets().first()
    # 60 sent at the very same moment: only the id orders them, and paging must not lose or
    # repeat one at a page boundary.
    _add_opinions(street, year, 70)
    _add_opinions(street, year, 60, at=timezone.make_aware(datetime(year, 1, 2, 9)))
    figure = _figure(street, year)
    expected = set(dashboard.BY_KEY["opinions_received"].rows(street, year)
                   .values_list("number", flat=True))
    assert figure == len(expected) > 2 * dashboard.DRILL_PER_PAGE

    url = f"/oversight/dashboard/{year}/opinions_received/{street.code}/"
    rows, texts = _walk(district_client, url)
    numbers = [number for _day, number in rows]
    assert len(texts) == -(-figure // dashboard.DRILL_PER_PAGE)  # ceil: every page, no more
    assert len(numbers) == len(set(numbers)) == figure
    assert set(numbers) == expected
    days = [day for day, _number in rows]
    assert days == sorted(days, reverse=True)  # newest first
    for number, text in enumerate(texts, start=1):
        assert COUNT.search(text).group(1) == str(figure)  # "N in all" on every page
        assert len(NUMBER.findall(text)) <= dashboard.DRILL_PER_PAGE
        if number > 1:  # the list's numbering goes on from the page before
            assert f'id="drill" start="{(number - 1) * dashboard.DRILL_PER_PAGE + 1}"' in text
    # The tie: the 60 of one moment are listed by id, newest (highest) first.
    tied = list(Opinion.objects.filter(street=street, created_at=timezone.make_aware(
        datetime(year, 1, 2, 9))).order_by("-pk").values_list("number", flat=True))
    assert [n for n in numbers if n in set(tied)] == tied


def test_every_figure_orders_its_rows_totally(demo):
    """Newest first by the date the list shows, then the id: a total order, whatever the
    figure, so LIMIT/OFFSET pages never overlap."""
    year = timezone.localdate().year
    street = queries.streets().first()
    for figure in dashboard.FIGURES:
        order = dashboard.drill_rows(figure.key, street, year).query.order_by
        assert order[-1] == "-pk" and order[0].startswith("-"), figure.key


def test_every_page_costs_two_queries_whatever_the_figure(demo):
    """The count and the page, with LIMIT: no row is described by a query of its own (a
    reception's station, an assignment's task, a visit's leader are read with the page)."""
    year = timezone.localdate().year
    checked = set()
    for street in queries.streets():
        for figure in dashboard.FIGURES:
            with CaptureQueriesContext(connection) as run:
                page = dashboard.drill(figure.key, street, year, per_page=2)
            if page.paginator.count:
                assert len(run) == 2, (figure.key, [q["sql"] for q in run])
                assert "LIMIT" in run[-1]["sql"].upper(), figure.key
                checked.add(figure.key)
    assert checked == {f.key for f in dashboard.FIGURES}


def test_the_page_costs_the_same_queries_for_ten_rows_and_for_a_thousand(district_client):
    year = timezone.localdate().year
    street = queries.streets().first()
    url = f"/oversight/dashboard/{year}/opinions_received/{street.code}/"
    district_client.get(url)  # warm what a first request caches (session, menus)
    with CaptureQueriesContext(connection) as few:
        assert district_client.get(url, {"page": 1}).status_code == 200
    _add_opinions(street, year, 1000)
    with CaptureQueriesContext(connection) as many:
        response = district_client.get(url, {"page": 3})
    assert response.status_code == 200
    assert len(NUMBER.findall(response.content.decode())) == dashboard.DRILL_PER_PAGE
    assert len(many) == len(few)


def _shown(text):
    """The page shown: the list's first number (its `start`, 1 when absent)."""
    found = re.search(r'id="drill" start="(\d+)"', text)
    first = int(found.group(1)) if found else 1
    return (first - 1) // dashboard.DRILL_PER_PAGE + 1


@pytest.mark.parametrize(("raw", "page"), [
    ("abc", 1), ("-1", 1), ("0", 1), ("", 1), ("1.5", 1), ("1e3", 1), ("\x00", 1),
    ("2\x00", 1), ("\r\n\t", 1), ("<script>alert(1)</script>", 1), ("' OR 1=1 --", 1),
    ("２", 2),  # a full-width digit is still a number
    (" 2 ", 2), ("3", 3),
    ("999999999999999999999", "last"), ("9" * 5000, "last"), ("-" + "9" * 5000, 1),
])
def test_a_bad_page_number_gets_the_nearest_page(district_client, raw, page):
    year = timezone.localdate().year
    street = queries.streets().first()
    _add_opinions(street, year, 3 * dashboard.DRILL_PER_PAGE)
    last = -(-_figure(street, year) // dashboard.DRILL_PER_PAGE)
    response = district_client.get(
        f"/oversight/dashboard/{year}/opinions_received/{street.code}/", {"page": raw})
    assert response.status_code == 200
    text = response.content.decode()
    assert _shown(text) == (last if page == "last" else page)
    assert "<script>alert(1)</script>" not in text
    assert len(NUMBER.findall(text)) > 0


def test_an_empty_list_says_so(district_client):
    year = timezone.localdate().year - 4  # before the demo
    street = queries.streets().first()
    assert not dashboard.BY_KEY["opinions_received"].rows(street, year).exists()
    response = district_client.get(
        f"/oversight/dashboard/{year}/opinions_received/{street.code}/", {"page": "7"})
    assert response.status_code == 200
    text = response.content.decode()
    assert COUNT.search(text).group(1) == "0" and 'class="empty"' in text
    assert 'class="pagination"' not in text


@pytest.mark.parametrize("mobile", [
    "13900010101",  # a street's staff (the dashboard is the district's)
    "13900020101",  # a department handler
    "13900030101",  # a deputy
    "13900040101",  # a council member
    "resident",
])
def test_others_are_still_refused_any_page(demo, verified_login, mobile):
    if mobile == "resident":
        user = User.objects.filter(mobile__startswith="1380000").first()
        assert user is not None
        from django.test import Client

        client = Client()
        client.force_login(user)
    else:
        client = verified_login(User.objects.get(mobile=mobile))
    year = timezone.localdate().year
    # Their own street's list too.
    for street in (queries.streets().first(), queries.streets().last()):
        for page in ("1", "2", "abc"):
            response = client.get(
                f"/oversight/dashboard/{year}/opinions_received/{street.code}/", {"page": page})
            assert response.status_code == 403
            assert "drill-count" not in response.content.decode()


def test_strangers_are_sent_to_sign_in_and_unknown_lists_do_not_exist(client, district_client):
    from django.test import Client

    year = timezone.localdate().year
    code = queries.streets().first().code
    anonymous = Client().get(f"/oversight/dashboard/{year}/opinions_received/{code}/?page=2")
    assert anonymous.status_code == 302 and "drill-count" not in anonymous.content.decode()
    assert district_client.get(
        f"/oversight/dashboard/{year}/no_such_figure/{code}/?page=2").status_code == 404
    assert district_client.get(
        f"/oversight/dashboard/{year}/opinions_received/nosuchstreet/").status_code == 404
    assert district_client.get(
        f"/oversight/dashboard/1900/opinions_received/{code}/").status_code == 404
