"""Liaison stations and deputies' public profiles: pages, QR codes, API, privacy."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from yishi.deputies.models import DeputyProfile, LiaisonStation


def test_station_list_and_page(client, demo):
    html = client.get(reverse("deputies:stations")).content.decode()
    for name in ("云栖小镇代表联络站", "龙坞茶镇代表联络站", "艺创小镇代表联络站", "翠苑一区代表联络站",
                 "西溪街道人大代表联络站"):
        assert name in html
    station = LiaisonStation.objects.get(code="yunqi-town")
    page = client.get(reverse("deputies:station", args=[station.code])).content.decode()
    deputies = list(station.deputies.all())
    assert deputies and all(d.user.name in page for d in deputies)
    assert all(d.user.mobile not in page for d in deputies)


def test_deputy_page_hides_the_number(client, demo):
    profile = DeputyProfile.objects.select_related("user").first()
    page = client.get(reverse("deputies:deputy", args=[profile.pk])).content.decode()
    assert profile.user.name in page and profile.user.mobile not in page
    DeputyProfile.objects.filter(pk=profile.pk).update(is_public=False)
    assert client.get(reverse("deputies:deputy", args=[profile.pk])).status_code == 404


def test_qr_codes_open_the_pages(client, demo, settings):
    settings.YISHI_PUBLIC_URL = "https://yishi.example.gov.cn"
    svg = client.get(reverse("deputies:qr", args=["station", "yunqi-town"]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    profile = DeputyProfile.objects.first()
    assert client.get(reverse("deputies:qr", args=["deputy", profile.pk])).status_code == 200
    assert client.get(reverse("deputies:qr", args=["planet", "x"])).status_code == 404
    assert client.get(reverse("deputies:qr", args=["station", "nope"])).status_code == 404


def test_api(client, demo):
    stations = client.get("/api/deputies/stations", {"street": "330106007"}).json()
    assert {s["code"] for s in stations} >= {"yunqi-town", "longwu-tea-town", "yichuang-town"}
    deputy_id = stations[0]["deputies"][0]
    deputy = client.get(f"/api/deputies/deputies/{deputy_id}").json()
    assert deputy["level"] == "district" and stations[0]["code"] in deputy["stations"]
    assert "mobile" not in deputy


def test_a_deputy_updates_their_public_page_with_a_photo(client, people, deputy):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 50), "red").save(buffer, "JPEG")
    client.force_login(people["deputy"])
    bad = client.post(reverse("deputies:my_profile"), {
        "biography": "从事社区工作二十年", "photo": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")})
    assert bad.status_code == 400 and "从事社区工作二十年" in bad.content.decode()
    deputy.refresh_from_db()
    assert deputy.biography == "" and deputy.photo is None
    good = client.post(reverse("deputies:my_profile"), {
        "biography": "从事社区工作二十年",
        "photo": SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")})
    assert good.status_code == 302
    page = client.get(reverse("deputies:deputy", args=[deputy.pk])).content.decode()
    deputy.refresh_from_db()
    assert deputy.photo.get_absolute_url() in page and "从事社区工作二十年" in page
    with pytest.raises(PermissionDenied):
        from yishi.deputies import services

        services.update_profile(people["council_member"], deputy, biography="x")
