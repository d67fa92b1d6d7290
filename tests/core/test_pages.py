import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yishi.core.forms import AttachmentForm
from yishi.core.models import Attachment


def test_home_lists_streets_in_chinese_by_default(client, demo):
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-Hans"' in html
    for name in ("北山街道", "西溪街道", "三墩镇", "双浦镇"):
        assert name in html
    assert "Content-Security-Policy" in page.headers


def test_home_in_english_after_switching(client, demo):
    response = client.post(reverse("core:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html and "Beishan Street" in html


def test_unknown_language_is_ignored(client, demo):
    response = client.post(reverse("core:set_language"), {"language": "xx"})
    assert "django_language" not in response.cookies


def test_language_is_remembered_on_the_account(client, people):
    client.force_login(people["resident"])
    client.post(reverse("core:set_language"), {"language": "en"})
    people["resident"].refresh_from_db()
    assert people["resident"].language == "en"


def test_large_text_persists(client, demo):
    response = client.post(reverse("core:set_text_size"), {"text_size": "large", "next": "/"})
    assert response.cookies["yishi_text"].value == "large"
    assert 'class="text-large"' in client.get("/").content.decode()
    client.post(reverse("core:set_text_size"), {"text_size": "normal"})
    assert 'class="text-large"' not in client.get("/").content.decode()


def test_next_cannot_leave_the_site(client, demo):
    response = client.post(reverse("core:set_text_size"),
                           {"text_size": "large", "next": "https://evil.example/"})
    assert response.url == "/"


def test_street_page(client, demo):
    html = client.get(reverse("core:street", args=["330106004"])).content.decode()
    assert "翠苑街道" in html and "翠苑一区社区" in html and "翠苑一区代表联络站" in html
    assert "便民服务平台" in html
    assert client.get(reverse("core:street", args=["nope"])).status_code == 404
    # A community is not a street page.
    assert client.get(reverse("core:street", args=["330106004001"])).status_code == 404


def test_workspace_menu_follows_roles(client, people):
    client.force_login(people["deputy"])
    html = client.get(reverse("core:workspace")).content.decode()
    assert reverse("core:inbox") in html
    assert reverse("core:audit_trail") not in html
    assert client.get(reverse("core:audit_trail")).status_code == 403


def test_workspace_needs_sign_in(client, db):
    response = client.get(reverse("core:workspace"))
    assert response.status_code == 302 and reverse("core:login") in response.url


def test_personal_data_export_and_deletion(client, people):
    resident = people["resident"]
    client.force_login(resident)
    data = json.loads(client.get(reverse("core:export_data")).content)
    assert data["account"]["mobile"] == resident.mobile
    response = client.post(reverse("core:delete_account"), {"confirm": "13000000000"})
    assert response.status_code == 400  # wrong number: nothing deleted
    assert type(resident).objects.filter(pk=resident.pk).exists()
    client.post(reverse("core:delete_account"), {"confirm": resident.mobile})
    assert not type(resident).objects.filter(pk=resident.pk).exists()
    from django.core.management import call_command

    call_command("verify_audit")


def test_attachment_form_reports_bad_file(db):
    form = AttachmentForm(files={"file": SimpleUploadedFile("x.jpg", b"not an image")})
    assert not form.is_valid()
    assert "file" in form.errors
    assert not Attachment.objects.exists()


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_chinese_even_when_the_browser_asks_for_english(client, demo):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-Hans"' in html and "北山街道" in html


def test_staff_verify_new_residents(client, people, xihu, verified_login):
    from yishi.core.models import User

    new = User.objects.create_user("13766660000", name="新来的居民", home_unit=xihu["xixi_community"])
    elsewhere = User.objects.create_user("13766660001", name="北山的居民",
                                         home_unit=xihu["beishan_community"])
    verified_login(people["street_staff"])
    page = client.get(reverse("core:residents_to_verify")).content.decode()
    assert "新来的居民" in page and "北山的居民" not in page and new.mobile not in page
    client.post(reverse("core:residents_to_verify"), {"person": elsewhere.pk})
    client.post(reverse("core:residents_to_verify"), {"person": new.pk})
    new.refresh_from_db()
    elsewhere.refresh_from_db()
    assert new.verified_at is not None and elsewhere.verified_at is None
    client.force_login(people["deputy"])
    assert client.get(reverse("core:residents_to_verify")).status_code == 403
