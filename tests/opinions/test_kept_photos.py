"""A refused try keeps its photos: they are stored, listed on the form and sent with the next
try without attaching them again (a browser empties file fields on every page). Only the
sender's own, unused uploads can be kept; someone else's attachment id is ignored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from yishi.core.models import Attachment, User
from yishi.opinions.models import Opinion, OpinionCategory

pytestmark = pytest.mark.django_db

RESIDENT = "13800000071"


def png(name="lamp.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def form_data(resident, **extra):
    return {"text": "东门路灯坏了一周。", "category": OpinionCategory.objects.first().pk,
            "community": resident.home_unit_id, **extra}


def test_photos_of_a_refused_try_go_with_the_next(client, demo):
    resident = User.objects.get(mobile=RESIDENT)
    client.force_login(resident)
    url = reverse("opinions:submit")
    refused = client.post(url, {**form_data(resident), "photos": png()})  # no title
    assert refused.status_code == 400
    [kept] = Attachment.objects.filter(uploaded_by=resident, original_name="lamp.png")
    html = refused.content.decode()
    assert f'name="kept_photos" value="{kept.pk}"' in html and "lamp.png" in html
    assert not Opinion.objects.filter(author=resident, title="东门路灯").exists()

    sent = client.post(url, {**form_data(resident), "title": "东门路灯",
                             "kept_photos": str(kept.pk)})
    assert sent.status_code == 302
    opinion = Opinion.objects.get(author=resident, title="东门路灯")
    assert list(opinion.photos.all()) == [kept]


def test_someone_elses_or_a_used_photo_is_not_kept(client, demo):
    resident = User.objects.get(mobile=RESIDENT)
    other = User.objects.filter(home_unit__isnull=False).exclude(pk=resident.pk).first()
    client.force_login(other)
    client.post(reverse("opinions:submit"), {**form_data(other), "photos": png("theirs.png")})
    theirs = Attachment.objects.get(uploaded_by=other, original_name="theirs.png")

    client.force_login(resident)
    client.post(reverse("opinions:submit"), {**form_data(resident), "title": "借用照片",
                                             "kept_photos": f"{theirs.pk},abc"})
    opinion = Opinion.objects.get(author=resident, title="借用照片")
    assert not opinion.photos.exists()
    # A photo already part of an opinion does not travel to a second one.
    client.post(reverse("opinions:submit"), {**form_data(resident), "photos": png("mine.png")})
    mine = Attachment.objects.get(uploaded_by=resident, original_name="mine.png")
    client.post(reverse("opinions:submit"), {**form_data(resident), "title": "第一条",
                                             "kept_photos": str(mine.pk)})
    client.post(reverse("opinions:submit"), {**form_data(resident), "title": "第二条",
                                             "kept_photos": str(mine.pk)})
    assert Opinion.objects.get(title="第一条").photos.count() == 1
    assert Opinion.objects.get(title="第二条").photos.count() == 0
