"""An opinion's photos are checked (decoded and re-encoded) once, before the opinion takes its
number: never while its transaction holds the street's counter and the audit chain, which
every other audited write of the district waits for."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from yishi.core import attachments
from yishi.core.models import Attachment, AuditRecord, User
from yishi.opinions.models import Opinion, OpinionCategory, OpinionCounter

from ..core.test_attachments import real_pdf

pytestmark = pytest.mark.django_db

RESIDENT = "13800000071"


def png(name):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 10)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def decodes(monkeypatch):
    """Every image decode, with what the database held at that moment."""
    seen = []
    real = attachments._clean_image

    def watched(data):
        seen.append((sum(OpinionCounter.objects.values_list("last", flat=True)),
                     AuditRecord.objects.count(), Attachment.objects.count()))
        return real(data)

    monkeypatch.setattr(attachments, "_clean_image", watched)
    return seen


def test_photos_are_checked_once_and_before_anything_is_written(client, demo, decodes):
    resident = User.objects.get(mobile=RESIDENT)
    client.force_login(resident)
    before = (sum(OpinionCounter.objects.values_list("last", flat=True)),
              AuditRecord.objects.count(), Attachment.objects.count())
    sent = client.post(reverse("opinions:submit"), {
        "title": "三张照片", "text": "桥下积水，附照片。", "community": resident.home_unit_id,
        "category": OpinionCategory.objects.first().pk,
        "photos": [png("a.png"), png("b.png"), png("c.png")]})
    assert sent.status_code == 302
    opinion = Opinion.objects.get(author=resident, title="三张照片")
    assert opinion.photos.count() == 3
    # One decode per photo (the form's check; the service reuses it), each before the
    # opinion's number, its audit record or any photo was written.
    assert decodes == [before] * 3


def test_a_checked_upload_is_not_decoded_again(people, decodes):
    upload = png("once.png")
    first = attachments.clean_upload(upload, images_only=True)
    assert attachments.clean_upload(upload) == first
    stored = attachments.store_attachment(people["resident"], upload, images_only=True)
    assert len(decodes) == 1 and stored.content_type == "image/png"


def test_a_document_checked_as_a_file_is_still_refused_as_a_photo(people):
    pdf = SimpleUploadedFile("notice.pdf", real_pdf(), content_type="application/pdf")
    assert attachments.clean_upload(pdf)[1] == "application/pdf"
    with pytest.raises(ValidationError) as refused:
        attachments.clean_upload(pdf, images_only=True)
    assert refused.value.code == "type"


def test_several_files_are_all_checked_before_the_first_is_stored(people, decodes):
    before = (0, AuditRecord.objects.count(), Attachment.objects.count())
    stored = attachments.store_attachments(people["resident"], [png("1.png"), png("2.png")])
    assert len(stored) == 2 and [d[1:] for d in decodes] == [before[1:]] * 2
    with pytest.raises(ValidationError):
        attachments.store_attachments(people["resident"], [
            png("3.png"), SimpleUploadedFile("x.png", b"not an image", content_type="image/png")])
    assert Attachment.objects.count() == before[2] + 2  # the good one before it was not stored
