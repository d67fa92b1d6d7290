"""An agenda document is public once its meeting is convened; before, only those managing the
council see it."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.core.test_attachments import real_pdf
from tests.core.test_media import body
from yishi.core.attachments import store_attachment
from yishi.core.models import Role, RoleAssignment, User
from yishi.councils import meetings


def test_agenda_documents_follow_the_meetings_visibility(client, people, xihu, meeting,
                                                         verified_login):
    document = store_attachment(people["street_staff"], SimpleUploadedFile("预算.pdf", real_pdf()))
    meeting.items.first().documents.add(document)
    url = document.get_absolute_url()
    colleague = User.objects.create_user("13900000003", name="西溪同事")
    RoleAssignment.objects.create(user=colleague, role=Role.STREET_STAFF, unit=xihu["xixi"])
    outsider = User.objects.create_user("13900000002", name="北山工作人员")
    RoleAssignment.objects.create(user=outsider, role=Role.STREET_STAFF, unit=xihu["beishan"])

    assert client.get(url).status_code == 404
    verified_login(outsider)
    assert client.get(url).status_code == 404
    verified_login(colleague)
    assert body(client.get(url)) == document.file.open("rb").read()

    meetings.convene_meeting(people["street_staff"], meeting)
    client.logout()
    assert client.get(url).status_code == 200
    page = client.get(reverse("councils:meeting", args=[meeting.pk])).content.decode()
    assert url in page
    api = client.get(f"/api/councils/meetings/{meeting.pk}").json()
    assert url in str(api)
