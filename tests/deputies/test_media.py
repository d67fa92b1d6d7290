"""A public deputy's portrait is public; duty evidence is the deputy's and the confirming
staff's only."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.core.test_attachments import real_pdf
from tests.core.test_media import body, jpeg
from yishi.core.attachments import store_attachment
from yishi.core.models import Role, RoleAssignment, User
from yishi.deputies import services


def test_duty_evidence_only_for_the_deputy_and_the_staff_who_confirm(
        client, people, xihu, deputy, verified_login):
    activity = services.register_activity(
        people["deputy"], deputy, kind="inspection", date=timezone.localdate(),
        description="调研电梯加装", evidence=[SimpleUploadedFile("照片.pdf", real_pdf())])
    evidence = activity.evidence.get()
    url = evidence.get_absolute_url()
    other_staff = User.objects.create_user("13900000002", name="北山工作人员")
    RoleAssignment.objects.create(user=other_staff, role=Role.STREET_STAFF, unit=xihu["beishan"])

    assert client.get(url).status_code == 404
    client.force_login(people["resident"])
    assert client.get(url).status_code == 404
    verified_login(other_staff)
    assert client.get(url).status_code == 404
    verified_login(people["street_staff"])
    queue = client.get(reverse("deputies:confirm_queue")).content.decode()
    assert url in queue
    assert body(client.get(url)) == evidence.file.open("rb").read()
    client.force_login(people["deputy"])
    assert client.get(url).status_code == 200


def test_portrait_public_only_with_a_public_profile(client, people, deputy):
    photo = store_attachment(people["deputy"], jpeg())
    deputy.photo = photo
    deputy.save(update_fields=["photo"])
    assert client.get(photo.get_absolute_url()).status_code == 200
    deputy.is_public = False
    deputy.save(update_fields=["is_public"])
    assert client.get(photo.get_absolute_url()).status_code == 404
    client.force_login(people["deputy"])
    assert client.get(photo.get_absolute_url()).status_code == 200
