"""Our own error pages: the site's layout, the visitor's language, a way back; with DEBUG off as
in production. A refused form (CSRF) shows what was typed so it is not lost."""

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("tests.core.error_urls")


def page(client, url, status, language="zh-hans", **kwargs):
    client.cookies["django_language"] = language
    response = client.get(url, **kwargs)
    assert response.status_code == status
    html = response.content.decode()
    assert 'class="site-header"' in html and 'href="/"' in html  # layout and a way home
    assert "Traceback" not in html and "Django" not in html
    return html


@pytest.mark.parametrize(("url", "status", "chinese", "english"), [
    ("/test-errors/400/", 400, "无法处理该请求", "The request could not be understood"),
    ("/test-errors/403/", 403, "您无权在此操作", "You may not do this here"),
    ("/no-such-page/", 404, "页面不存在", "Page not found"),
    ("/test-errors/500/", 500, "系统出错了", "Something went wrong on our side"),
])
def test_error_pages_in_both_languages(db, settings, url, status, chinese, english):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    assert chinese in page(client, url, status)
    assert english in page(client, url, status, language="en")


def test_the_way_back_is_the_page_one_came_from_if_it_is_ours(db):
    client = Client()
    html = page(client, "/no-such-page/", 404, HTTP_REFERER="http://testserver/opinions/")
    assert 'href="http://testserver/opinions/"' in html
    html = page(client, "/no-such-page/", 404, HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in html


def test_a_page_refused_to_a_resident_gets_our_403(client, people, verified_login):
    """A real refusal (the residents to verify page for a person without the role)."""
    client.force_login(people["resident"])
    client.cookies["django_language"] = "en"
    response = client.get("/workspace/residents/")
    assert response.status_code == 403
    assert "You may not do this here" in response.content.decode()


def test_csrf_failure_keeps_what_was_typed(db, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["resident"])
    client.cookies["django_language"] = "zh-hans"
    response = client.post("/opinions/new/", {
        "title": "楼道灯坏了", "text": "3 幢 2 单元的楼道灯坏了两周。<script>alert(1)</script>",
        "csrfmiddlewaretoken": "forged", "code": "123456"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "表单已过期" in html and 'class="site-header"' in html
    assert "3 幢 2 单元的楼道灯坏了两周。&lt;script&gt;" in html  # shown, escaped
    assert "123456" not in html and "forged" not in html
    assert 'action="/opinions/new/"' not in html  # nothing is sent again from this page
    client.cookies["django_language"] = "en"
    html = client.post("/opinions/new/", {"title": "x"}).content.decode()
    assert "The form had expired" in html


def test_a_broken_layout_still_gives_a_page(db, settings, monkeypatch):
    """If the layout itself fails (the database is down), a plain page of ours still answers."""
    from yishi.core import error_views

    real = error_views.render_to_string

    def layout_down(name, context=None, request=None):
        if name == "error.html":
            raise RuntimeError("database down")
        return real(name, context, request)

    monkeypatch.setattr(error_views, "render_to_string", layout_down)
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
