"""What moderation reads in a text: hostile spellings of listed words, personal data."""

import pytest

from yishi.moderation import text
from yishi.moderation.text import id_checksum_ok, mask, normalize, personal_data, sensitive_words

WORDS = [normalize("赌博"), normalize("代开发票"), normalize("falun")]


def _valid_id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@pytest.mark.parametrize("hostile", [
    "小区里有人赌博",
    "小区里有人赌 博",
    "小区里有人赌-博",
    "小区里有人赌.*.博",
    "小区里有人赌\u200b博",          # zero-width space
    "小区里有人赌\u200d\ufeff博",    # zero-width joiner, BOM
    "小区里有人赌\u3000博",          # ideographic space
    "小区里有人赌\t\n博",
    "有人代 开 发 票",
    "有人代、开、发、票",
    "ＦＡＬＵＮ",                   # full-width letters
    "F a L u N",
], ids=["plain", "space", "dash", "symbols", "zwsp", "zwj-bom", "ideographic-space", "tab-newline",
        "spaced-four", "enumeration-comma", "full-width", "spaced-latin-case"])
def test_a_split_or_disguised_word_is_still_found(hostile):
    assert sensitive_words(hostile, WORDS), hostile


def test_clean_text_has_no_word():
    assert sensitive_words("楼道灯坏了，请尽快维修。", WORDS) == []


def test_a_word_is_found_on_jieba_tokens_too():
    cut = text.tokens("请不要在小区赌博", [normalize("赌博")])
    assert "赌博" in cut


@pytest.mark.parametrize("written, shown", [
    ("电话13812345678", "电话138****5678"),
    ("电话 138 1234 5678 谢谢", "电话 138 **** 5678 谢谢"),
    ("电话138-1234-5678", "电话138-****-5678"),
    ("电话+86 13812345678", "电话+86 138****5678"),
    ("电话１３８１２３４５６７８", "电话１３８****５６７８"),
], ids=["plain", "spaces", "dashes", "country-code", "full-width"])
def test_mobile_numbers_are_masked(written, shown):
    assert mask(written) == shown


def test_an_id_number_with_a_right_check_digit_is_masked():
    number = _valid_id("33010619900101123")
    assert id_checksum_ok(number)
    shown = mask(f"我的身份证号是{number}，请核实。")
    assert number not in shown
    assert shown == f"我的身份证号是330***********{number[-4:]}，请核实。"
    assert [f.kind for f in personal_data(number)] == [text.ID_CARD]


def test_an_id_number_ending_in_x_is_masked():
    for n in range(1000):
        candidate = _valid_id(f"33010619850307{n:03d}")
        if candidate.endswith("X"):
            break
    assert mask(candidate.lower()) == "330***********" + candidate[-4:].lower()


def test_eighteen_digits_without_a_right_check_digit_are_not_an_id_number():
    number = _valid_id("33010619900101123")
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    assert not id_checksum_ok(wrong)
    assert personal_data(f"订单{wrong}") == []


def test_the_household_part_of_an_address_is_masked_not_the_street_number():
    assert mask("我住莫干山路79号3幢2单元501室，楼道灯坏了") == "我住莫干山路79号*幢*单元***室，楼道灯坏了"
    assert mask("莫干山路79号加装电梯") == "莫干山路79号加装电梯"
    assert mask("三楼的灯坏了") == "三楼的灯坏了"
    assert mask("五幢三单元") == "*幢*单元"
