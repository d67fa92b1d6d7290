"""A resident's year, on a phone (360 × 780) in large-text mode, in Chinese and again in English:
sign up, be verified, get a text message for a ballot and vote with it, keep the receipt, raise
an opinion with a photo after a refused first try, get the reply by text and rate it, book and
cancel a reception, and join an online one that updates by itself. axe-core and the CSP are
checked on every page the phone loads (the `page` fixture). Staff act through the services, as
their own pages are tested elsewhere; what the resident does, the resident does in the browser.
Runs on SQLite and PostgreSQL like every test (DATABASE_URL)."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tests.browser import open_menu
from yishi.core import services as core_services
from yishi.core.models import Unit, User
from yishi.core.sms import LocmemBackend
from yishi.deputies import bookings
from yishi.deputies import services as deputies
from yishi.deputies.models import Booking, LiaisonStation, ReceptionSession
from yishi.opinions import services as opinions
from yishi.opinions.models import Opinion, OpinionState
from yishi.voting import services as voting
from yishi.voting.demo import demo_tellers
from yishi.voting.models import CastBallot, RollSource
from yishi.voting.services import OptionInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF = "13900010201"      # 西溪 street committee staff
HANDLER = "13900020201"    # a department handler of 西溪
DEPUTY = "13900030201"     # a deputy of 西溪

# What the resident reads, in each language (the test also proves the pages are in it).
WORDS = {
    "zh-hans": {"lang": "zh-Hans", "ballot_text": "有一项投票等您参加", "reply_text": "已答复",
                "queue_2": "您的排队位置：第 2 位", "your_turn": "轮到您了：代表正在等您",
                "cancelled": "已取消"},
    "en": {"lang": "en", "ballot_text": "A ballot is open for you", "reply_text": "has a reply",
           "queue_2": "Your place in the queue: 2", "your_turn": "Your turn: the deputy is waiting",
           "cancelled": "Cancelled"},
}


def photo_file(tmp_path):
    path = tmp_path / "streetlight.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def last_text_to(mobile: str) -> str:
    texts = [m.text for m in LocmemBackend.outbox if m.mobile == mobile]
    assert texts, f"no text message to {mobile}"
    return texts[-1]


def path_of(text: str) -> str:
    """The link in a text message, as a path on the test server."""
    url = re.search(r"https?://\S+", text).group(0)
    return "/" + url.split("/", 3)[3]


def submit(page, form_selector: str) -> None:
    page.locator(f"{form_selector} button[type=submit], {form_selector} button:not([type])"
                 ).last.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_residents_year(page, live_server, transactional_db, demo, tmp_path,
                          language, settings):
    # Texts go out at once whatever the hour the suite runs (quiet hours have their own tests).
    settings.YISHI_QUIET_HOURS_START = settings.YISHI_QUIET_HOURS_END = 0
    words = WORDS[language]
    page.set_viewport_size({"width": 360, "height": 780})
    page.context.add_cookies([
        {"name": "yishi_text", "value": "large", "url": live_server.url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    staff = User.objects.get(mobile=STAFF)
    street = staff.role_assignments.get().unit
    community = Unit.objects.filter(parent=street).order_by("code").first()
    mobile = "13712345678"

    # --- Sign up with a mobile number and a code by text ------------------------------------
    LocmemBackend.outbox.clear()
    page.goto("/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", words["lang"])
    expect(page.locator("html")).to_have_class(re.compile("text-large"))
    page.locator("#id_name").fill("林晓雨")
    page.locator("#id_mobile").fill(mobile)
    page.locator("#id_home_unit").select_option(value=str(community.pk))
    page.locator("#id_agree").check()
    submit(page, "form:has(#id_mobile)")
    code = re.search(r"\b(\d{6})\b", last_text_to(mobile)).group(1)
    page.locator("#id_code").fill(code)
    submit(page, "form:has(#id_code)")
    resident = User.objects.get(mobile=mobile)
    assert resident.language == language  # notices will be written in it
    expect(page.locator("main")).to_contain_text(resident.name)

    # --- Verified by the street (staff's own pages are tested elsewhere) ---------------------
    core_services.verify_resident(staff, resident)

    # --- A ballot opens: a text message with the link, in the resident's language -----------
    LocmemBackend.outbox.clear()
    ballot = voting.create_ballot(
        staff, street, title="2027 年民生实事票选", method="choose", max_choices=2,
        roll_source=RollSource.RESIDENTS, tellers=demo_tellers(), threshold=2,
        closes_at=timezone.now() + timedelta(days=7),
        options=[OptionInput("A", "加装电梯", Decimal("600000")),
                 OptionInput("B", "社区食堂", Decimal("300000"))])
    voting.open_ballot(staff, ballot)
    text = last_text_to(mobile)
    assert words["ballot_text"] in text, text
    page.goto(path_of(text))
    page.locator("#choice-A").check()
    submit(page, "form.ballot-form")
    submit(page, "form:has(input[name=step][value=confirm])")  # the confirmation: cast it
    code_shown = page.locator("#receipt-code")
    expect(code_shown).to_be_visible()
    expect(page.locator("#receipt-hash")).to_be_visible()
    [cast] = CastBallot.objects.filter(ballot=ballot)
    assert cast.receipt.startswith(code_shown.inner_text().replace("-", "").lower())
    box = code_shown.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # the receipt is not cut off

    # --- An opinion with a photo: refused once (no title), then sent -------------------------
    page.goto("/opinions/new/")
    page.locator("#id_text").fill("小区东门路灯坏了一周，晚上老人出门看不见。")
    page.locator("#id_category").select_option(index=1)
    page.locator("#id_community").select_option(value=str(community.pk))
    page.locator("#id_photos").set_input_files(str(photo_file(tmp_path)))
    submit(page, "form.opinion-form")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert not Opinion.objects.filter(author=resident).exists()
    # The photo was kept: the resident does not attach it again.
    expect(page.locator("input[name=kept_photos]")).to_have_value(re.compile(r"^\d+$"))
    expect(page.locator("main")).to_contain_text("streetlight.png")
    page.locator("#id_title").fill("东门路灯坏了")
    submit(page, "form.opinion-form")
    opinion = Opinion.objects.get(author=resident)
    assert opinion.photos.count() == 1
    expect(page.locator("main")).to_contain_text(opinion.number)

    # --- The reply comes by text; the resident rates it ---------------------------------------
    handler = User.objects.get(mobile=HANDLER)
    opinions.accept_opinion(staff, opinion)
    opinions.assign_opinion(staff, opinion, [handler.role_assignments.get().department])
    LocmemBackend.outbox.clear()
    opinions.reply_to_opinion(handler, opinion, "路灯已修好，感谢反映。")
    text = last_text_to(mobile)
    assert words["reply_text"] in text, text
    page.goto(path_of(text))
    expect(page.locator("main")).to_contain_text("路灯已修好")
    page.locator("input[name=rating][value=satisfied]").check()
    submit(page, "form:has(input[name=rating])")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.CLOSED and opinion.rating == "satisfied"

    # --- Book a reception, then cancel it (the place is freed) --------------------------------
    deputy = User.objects.get(mobile=DEPUTY)
    station = LiaisonStation.objects.get(code=f"station-{street.code}")
    start = timezone.now() + timedelta(days=station.notice_days + 2)
    in_person = deputies.schedule_session(staff, station, starts_at=start,
                                          ends_at=start + timedelta(hours=2),
                                          mode="in_person", deputies=[deputy.deputy_profile],
                                          slots=4)
    page.goto(f"/deputies/sessions/{in_person.pk}/")
    page.locator("#topic").fill("停车")
    submit(page, f"form[action$='/sessions/{in_person.pk}/book/']")
    booking = Booking.objects.get(session=in_person, resident=resident)
    page.locator("details.action-confirm summary").click()
    page.locator("details.action-confirm button[name=confirmed]").click()
    page.wait_for_load_state()
    booking.refresh_from_db()
    assert booking.cancelled_at is not None
    assert bookings.free_places(in_person) == 4

    # --- An online reception that updates by itself -------------------------------------------
    online = deputies.schedule_session(staff, station, starts_at=start,
                                       ends_at=start + timedelta(hours=2), mode="online",
                                       deputies=[deputy.deputy_profile], slots=4)
    bookings.book_slot(User.objects.get(mobile="13800000072"), online, "路灯")
    page.goto(f"/deputies/sessions/{online.pk}/")
    submit(page, f"form[action$='/sessions/{online.pk}/book/']")
    mine = Booking.objects.get(session=online, resident=resident)
    now = timezone.now()
    ReceptionSession.objects.filter(pk=online.pk).update(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2))
    page.goto(f"/deputies/sessions/{online.pk}/room/{mine.pk}/")
    status = page.locator("[data-live-status]")
    expect(status).to_contain_text(words["queue_2"])
    bookings.call_next(deputy, ReceptionSession.objects.get(pk=online.pk))  # the one before
    LocmemBackend.outbox.clear()
    bookings.call_next(deputy, ReceptionSession.objects.get(pk=online.pk))  # now them
    expect(status).to_contain_text(words["your_turn"], timeout=3000)
    assert words["your_turn"].split(":")[0].split("：")[0] in last_text_to(mobile)
    mine.refresh_from_db()
    bookings.say_in_room(deputy, mine, "您好，请讲。")
    expect(page.locator("ol.conversation").get_by_text("您好，请讲。")).to_be_visible(timeout=3000)

    # The large-text menu still opens on the last page (the site's tools behind one button).
    open_menu(page)
    expect(page.locator("details.site-menu")).to_have_attribute("open", "")
