"""On a phone: the author of a private opinion sees its photo on the opinion's page; a
stranger's browser gets 404 for the same address."""

import pytest

from tests.core.test_media import jpeg
from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import User
from yishi.opinions import services
from yishi.opinions.models import OpinionCategory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_private_photo_shows_for_its_author_only(page, browser, live_server, transactional_db,
                                                 demo, tmp_path):
    author = User.objects.get(mobile="13800000071")
    opinion = services.submit_opinion(author, services.Intake(
        title="楼道堆物", text="3 幢楼道堆满杂物，消防通道不通。",
        category=OpinionCategory.objects.first(), community=author.home_unit,
        is_public=False, photos=[jpeg()]))
    photo_url = opinion.photos.get().get_absolute_url()

    sign_in(page, "13800000071")
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"/opinions/{opinion.number}/")
    image = page.locator(f'img[src="{photo_url}"]')
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth === 40",
                           arg=image.element_handle())
    page.screenshot(path=str(tmp_path / "private-photo-360x780.png"), full_page=True)

    stranger = browser.new_context(base_url=live_server.url)
    try:
        assert stranger.request.get(photo_url).status == 404
    finally:
        stranger.close()
