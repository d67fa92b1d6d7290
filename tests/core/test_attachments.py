import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from yishi.core.attachments import store_attachment
from yishi.core.models import Attachment, AuditRecord


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"      # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (30.0, 15.0, 0.0)  # latitude 30°15' N
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_image_is_reencoded_without_exif_or_gps(people, media):
    data = jpeg_with_gps()
    assert b"PhoneMaker" in data
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)
    upload = SimpleUploadedFile("photo.jpg", data + b"HIDDEN-PAYLOAD", content_type="image/jpeg")
    attachment = store_attachment(people["resident"], upload)
    stored = attachment.file.read()
    assert b"PhoneMaker" not in stored and b"HIDDEN-PAYLOAD" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
        assert not image.getexif()
    assert attachment.content_type == "image/jpeg"
    assert AuditRecord.objects.filter(action="core.upload_attachment").count() == 1


def test_pdf_is_accepted(people):
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%...\n", content_type="application/pdf")
    assert store_attachment(people["resident"], upload).content_type == "application/pdf"


@pytest.mark.parametrize("name, data, code", [
    ("photo.jpg", b"MZ\x90\x00 not an image at all", "type"),      # disguised executable
    ("evil.svg", b"<svg onload='alert(1)'></svg>", "type"),
    ("empty.pdf", b"", "empty"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "damaged"),
])
def test_bad_files_are_refused_and_nothing_is_stored(people, media, name, data, code):
    with pytest.raises(ValidationError) as info:
        store_attachment(people["resident"], SimpleUploadedFile(name, data))
    assert info.value.code == code
    assert not Attachment.objects.exists()
    assert not any(media.rglob("*.*"))


@override_settings(YISHI_UPLOAD_MAX_BYTES=1000)
def test_oversize_file_is_refused(people, media):
    with pytest.raises(ValidationError) as info:
        store_attachment(people["resident"], SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 2000))
    assert info.value.code == "size"
    assert not Attachment.objects.exists()


def test_images_only_refuses_documents(people):
    with pytest.raises(ValidationError):
        store_attachment(people["resident"], SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
                         images_only=True)
