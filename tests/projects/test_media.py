"""Projects are public, and so are their photos and their progress reports' photos."""

from django.urls import reverse

from tests.core.test_media import body, jpeg
from tests.projects.conftest import proposal
from yishi.core.attachments import store_attachment
from yishi.projects import services
from yishi.projects.models import ProgressReport


def test_project_and_progress_photos_are_public(client, people, xihu, cycle, categories):
    project = services.propose(people["resident"], cycle, proposal(
        cycle, xihu["xixi_community"], categories["good"]))
    photo = store_attachment(people["resident"], jpeg())
    project.photos.add(photo)
    site = store_attachment(people["street_staff"], jpeg((10, 200, 10)))
    report = ProgressReport.objects.create(project=project, percent=10, note="开工",
                                           author=people["street_staff"])
    report.photos.add(site)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert photo.get_absolute_url() in page and "/media/" not in page
    for attachment in (photo, site):
        response = client.get(attachment.get_absolute_url())
        assert response.status_code == 200
        assert body(response) == attachment.file.open("rb").read()
    report.photos.remove(site)
    assert client.get(site.get_absolute_url()).status_code == 404
