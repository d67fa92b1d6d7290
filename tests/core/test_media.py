"""Uploaded files go out only through yishi.core.media: who may see the object a file belongs to
may see the file; everyone else gets the same 404 as for an id that does not exist."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from yishi.core.attachments import store_attachment
from yishi.core.models import Attachment, Role, RoleAssignment, User
from yishi.opinions import services
from yishi.opinions.models import OpinionCategory


def jpeg(colour=(30, 120, 200)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="JPEG")
    return SimpleUploadedFile("门口.jpg", out.getvalue(), content_type="image/jpeg")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def private_photo(people, xihu):
    category = OpinionCategory.objects.create(code="parking", name="停车管理", name_en="Parking")
    opinion = services.submit_opinion(people["resident"], services.Intake(
        title="楼道堆物", text="3 幢楼道堆满杂物。", category=category,
        community=xihu["xixi_community"], is_public=False, photos=[jpeg()]))
    return opinion, opinion.photos.get()


@pytest.fixture
def outsiders(xihu):
    """Another street's resident and another street's staff (北山)."""
    resident = User.objects.create_user("13900000001", name="北山居民",
                                        home_unit=xihu["beishan_community"])
    staff = User.objects.create_user("13900000002", name="北山工作人员",
                                     home_unit=xihu["beishan_community"])
    RoleAssignment.objects.create(user=staff, role=Role.STREET_STAFF, unit=xihu["beishan"])
    return {"resident": resident, "staff": staff}


def test_private_photo_only_for_its_author_and_staff_in_scope(
        client, people, outsiders, private_photo, verified_login):
    opinion, photo = private_photo
    url = photo.get_absolute_url()
    stored = photo.file.open("rb").read()

    assert client.get(url).status_code == 404
    client.force_login(outsiders["resident"])
    assert client.get(url).status_code == 404
    verified_login(outsiders["staff"])
    assert client.get(url).status_code == 404
    missing = client.get(reverse("core:attachment", args=[photo.pk + 1000]))
    assert missing.status_code == 404

    client.force_login(people["resident"])
    own = client.get(url)
    assert own.status_code == 200 and body(own) == stored
    assert own["Content-Type"] == "image/jpeg"
    assert own["X-Content-Type-Options"] == "nosniff"
    assert own["Content-Disposition"].startswith("inline")
    assert "private" in own["Cache-Control"]
    assert url in client.get(reverse("opinions:detail", args=[opinion.number])).content.decode()

    verified_login(people["street_staff"])
    assert body(client.get(url)) == stored
    verified_login(people["district_staff"])
    assert client.get(url).status_code == 200


def test_public_opinions_photo_is_public_once_screened(client, people, private_photo):
    opinion, photo = private_photo
    opinion.is_public = True
    opinion.save(update_fields=["is_public"])
    # Still waiting for screening: the board does not show it, nor its photo.
    assert client.get(photo.get_absolute_url()).status_code == 404
    services.accept_opinion(people["street_staff"], opinion)
    assert client.get(photo.get_absolute_url()).status_code == 200


def test_the_old_media_address_is_gone(client, people, private_photo):
    _opinion, photo = private_photo
    client.force_login(people["resident"])
    assert client.get("/media/" + photo.file.name).status_code == 404


def test_a_stored_name_leading_outside_the_media_folder_is_refused(client, people, settings,
                                                                  tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media").mkdir()
    (tmp_path / "secret.txt").write_bytes(b"SECRET")
    client.force_login(people["resident"])
    for name in ("../secret.txt", "attachments/../../secret.txt", str(tmp_path / "secret.txt")):
        row = Attachment.objects.create(file=name, original_name="x.jpg", content_type="image/jpeg",
                                        size=6, sha256="0" * 64, uploaded_by=people["resident"])
        response = client.get(row.get_absolute_url())
        assert response.status_code == 404 and b"SECRET" not in body(response), name
    assert client.get("/files/../media/x").status_code == 404
    assert client.get("/files/1/../../settings.py").status_code == 404


def test_accel_redirect_hands_the_sending_to_nginx(client, people, private_photo, settings):
    settings.YISHI_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    _opinion, photo = private_photo
    assert client.get(photo.get_absolute_url()).status_code == 404
    client.force_login(people["resident"])
    response = client.get(photo.get_absolute_url())
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/" + photo.file.name
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_documents_download_and_unknown_types_are_opaque(client, people):
    from tests.core.test_attachments import real_pdf

    pdf = store_attachment(people["resident"], SimpleUploadedFile("议程.pdf", real_pdf()))
    client.force_login(people["resident"])
    response = client.get(pdf.get_absolute_url())
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "%E8%AE%AE%E7%A8%8B.pdf" in response["Content-Disposition"]
    Attachment.objects.filter(pk=pdf.pk).update(content_type="text/html")
    response = client.get(pdf.get_absolute_url())
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_an_upload_not_yet_attached_is_its_uploaders_only(client, people, outsiders):
    photo = store_attachment(people["resident"], jpeg())
    client.force_login(outsiders["resident"])
    assert client.get(photo.get_absolute_url()).status_code == 404
    client.force_login(people["resident"])
    assert client.get(photo.get_absolute_url()).status_code == 200
    assert client.post(photo.get_absolute_url()).status_code == 405


def test_hostile_ids_are_404(client, people):
    client.force_login(people["resident"])
    for path in ("/files/100000000000000000000/", "/files/0/", "/files/-1/", "/files/1e3/",
                 "/files/%2e%2e/"):
        assert client.get(path).status_code == 404, path
