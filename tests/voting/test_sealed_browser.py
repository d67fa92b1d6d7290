"""Three tellers on three phones: each takes their key share once while the ballot is open;
after the close one brings theirs (a quorum short: nothing decrypted), another enters the wrong
share (a clear error, nothing decrypted), then their own — and the ballots are decrypted, the
board shows both lists of the same size, and the verifier agrees."""

import json
import os
import re
from pathlib import Path

import pytest

from tests.browser import _finish, _phone
from tests.voting.test_ballot_browser import sign_in
from yishi.core.models import User
from yishi.voting import queries, services, verify
from yishi.voting.models import Ballot, DecryptedBallot
from yishi.voting.services import OptionInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YISHI_SCREENSHOTS", "/tmp/yishi-shots"))


def take_share(page, ballot) -> str:
    page.goto(f"/voting/{ballot.public_id}/teller/")
    page.get_by_role("button", name="显示我的密钥份额").click()
    page.wait_for_load_state()
    assert page.locator("svg.qr").count() == 1
    return page.locator("#share-words").input_value()


def bring_share(page, ballot, words: str) -> None:
    page.goto(f"/voting/{ballot.public_id}/teller/")
    page.get_by_label(re.compile("密钥份额")).fill(words)
    page.get_by_role("button", name="提交我的份额计票").click()
    page.wait_for_load_state()


def test_three_tellers_on_three_phones(transactional_db, demo, page, second_page, browser,
                                       live_server):
    staff = User.objects.get(mobile="13900010201")
    xixi = staff.role_assignments.get().unit
    mobiles = ["13900030201", "13900040210", "13900040209"]
    tellers = [User.objects.get(mobile=m) for m in mobiles]
    ballot = services.create_ballot(
        staff, xixi, title="社区议事厅选址（无记名）", method="choose", max_choices=1,
        roll_roles="council_member", tellers=tellers, threshold=2,
        options=[OptionInput("A", "文三路"), OptionInput("B", "学院路")])
    ballot = services.open_ballot(staff, ballot)
    third_context, third_page = _phone(browser, live_server)
    phones = [page, second_page, third_page]
    try:
        shares = []
        for phone, mobile in zip(phones, mobiles, strict=True):
            sign_in(phone, mobile)
            shares.append(take_share(phone, ballot))
        assert len(set(shares)) == 3 and all(len(s.split()) == 33 for s in shares)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "teller-share-360.png"), full_page=True)
        # Shown once: coming back shows no share.
        page.goto(f"/voting/{ballot.public_id}/teller/")
        assert page.locator("#share-words").count() == 0
        assert "已领取" in page.content()
        for n, voter in enumerate(User.objects.filter(mobile__startswith="1390004020")
                                  .order_by("mobile")[:6]):
            services.cast_vote(voter, ballot, {"choices": ["A" if n % 3 else "B"]})
        services.close_ballot(staff, ballot)

        bring_share(page, ballot, shares[0])
        assert "已有 1 份，需要 2 份" in page.get_by_role("status").first.inner_text() or \
            "已有 1 份" in page.content()
        assert not DecryptedBallot.objects.filter(ballot=ballot).exists()
        bring_share(second_page, ballot, shares[2])  # the third teller's share, not theirs
        assert "另一位监票人" in second_page.get_by_role("alert").first.inner_text()
        assert not DecryptedBallot.objects.filter(ballot=ballot).exists()
        bring_share(second_page, ballot, shares[1])
        assert "选票已解密" in second_page.content()
        assert DecryptedBallot.objects.filter(ballot=ballot).count() == 6
        services.publish_results(staff, Ballot.objects.get(pk=ballot.pk))

        third_page.goto(f"/voting/{ballot.public_id}/board/")
        assert third_page.locator("#tracking-count").inner_text() == "6"
        assert third_page.locator("#decrypted-count").inner_text().startswith("6")
        assert "数量一致" in third_page.locator("#decrypted-count").inner_text()
        third_page.context.add_cookies([{"name": "yishi_text", "value": "large",
                                         "url": live_server.url}])
        third_page.reload()
        third_page.screenshot(path=str(SHOTS / "board-360-large.png"), full_page=True)
        third_page.set_viewport_size({"width": 1366, "height": 768})
        third_page.screenshot(path=str(SHOTS / "board-1366.png"), full_page=True)
        board = json.loads(json.dumps(queries.board(Ballot.objects.get(pk=ballot.pk))))
        assert verify.verify(board) == []
        assert board["result"]["counts"] == {"A": 4, "B": 2}
    finally:
        _finish(third_context, third_page)
