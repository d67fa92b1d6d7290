"""The footer a Chinese government site shows (主办单位, contact, privacy notice, 备案 numbers when
set) and the privacy notice the sign-up consent links to."""

from django.urls import reverse


def test_footer_names_the_organizer_and_links_the_privacy_notice(client, db):
    html = client.get("/").content.decode()
    footer = html[html.index('<footer class="site-footer">'):]
    assert "主办单位：杭州市西湖区人大常委会" in footer
    assert f'href="{reverse("core:privacy")}"' in footer and "联系方式" in footer
    assert "ICP" not in footer  # no filing number configured: none shown


def test_filing_numbers_and_contact_come_from_settings(client, db, settings):
    settings.YISHI_ICP_NUMBER = "浙ICP备12345678号-1"
    settings.YISHI_PSB_NUMBER = "浙公网安备 33010602000001号"
    settings.YISHI_CONTACT_PHONE = "0571-8888 1234"
    settings.YISHI_ORGANIZER = "西湖区人大常委会办公室"
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener">浙ICP备12345678号-1</a>' in html
    assert "code=33010602000001" in html
    assert 'href="tel:05718888' in html and "Run by: 西湖区人大常委会办公室" in html


def test_privacy_notice_in_both_languages_and_linked_from_sign_up(client, db):
    page = client.get(reverse("core:privacy")).content.decode()
    assert "隐私说明" in page and "Cookie" in page
    client.cookies["django_language"] = "en"
    assert "What we keep, and why" in client.get(reverse("core:privacy")).content.decode()
    signup = client.get(reverse("core:signup")).content.decode()
    assert f'<a href="{reverse("core:privacy")}">Read the privacy notice</a>' in signup


def test_make_run_serves_at_the_public_url_it_announces():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert 'YISHI_PUBLIC_URL="$${YISHI_PUBLIC_URL:-http://$(HOST):$(PORT)}"' in makefile
