"""A refused form starts with a summary of its errors, each linked to its field; the page's
<title> is text, whatever a page puts in its title block."""

import re

from django.template import Context, Template
from django.urls import reverse


def test_refused_form_has_a_linked_summary_first(client, xihu):
    response = client.post(reverse("core:signup"), {"mobile": "12", "name": ""})
    html = response.content.decode()
    summary = html.index("data-error-summary")
    assert summary < html.index('name="mobile"')  # before the fields
    assert re.search(r'<a href="#id_mobile" data-field="id_mobile">[^<]+: ', html)
    assert 'href="#id_name"' in html
    assert 'tabindex="-1"' in html[summary - 200:summary + 200]


def test_a_valid_page_has_no_summary(client, xihu):
    assert "data-error-summary" not in client.get(reverse("core:signup")).content.decode()


def test_markup_in_a_title_block_never_reaches_the_tab(rf, db):
    template = Template('{% extends "base.html" %}{% block title %}标题<script src="/x.js">'
                        '</script><form><input name="csrfmiddlewaretoken"></form>{% endblock %}')
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = template.render(Context({"request": request, "user": request.user}))
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and title.startswith("标题")
