"""Company names and unified social credit codes: the key that different ways of writing one company share, the
similarity that lists look-alikes and keeps near-misses out, and the GB 32100-2015 check character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qinglian.risks.names import (
    CODE_CHARACTERS,
    company_core,
    company_region,
    credit_code_error,
    credit_code_make,
    credit_code_valid,
    normalise_company,
    similarity,
)

pytestmark = pytest.mark.usefixtures("in_english")

THRESHOLD = 0.85  # the shipped rule risks.conflict_similarity


@pytest.mark.parametrize(
    "name",
    [
        "北京恒信达科技有限公司",
        "恒信达科技（北京）有限公司",
        "北京恒信达科技有限责任公司",
        "北京市恒信达科技股份有限公司",
        "恒信达科技(北京)有限公司",
        "恒信达科技（北京）有限公司。",
        " 北京 恒信达·科技 有限公司 ",
        "恒信达科技有限公司北京分公司",
        "北京市海淀区恒信达科技有限公司",
        "恒信达科技集团有限公司",
    ],
)
def test_ways_of_writing_one_company_share_a_key(name):
    assert normalise_company(name) == "恒信达科技"


def test_full_width_characters_fold_and_latin_letters_are_upper_case():
    assert normalise_company("ＡＢＣ数码（上海）有限公司") == normalise_company("abc数码有限公司") == "ABC数码"


def test_partnerships_sole_proprietors_and_workshops_lose_their_form():
    assert normalise_company("杭州云启投资管理合伙企业（有限合伙）") == "云启投资管理"
    assert normalise_company("深圳市华泰达建设工程有限公司") == "华泰达建设工程"
    assert normalise_company("成都锦程印务工作室") == "锦程印务"
    assert normalise_company("长沙恒信酒店") == "恒信酒店"  # 店 of 酒店 is the trade, not a form


def test_a_place_not_in_the_list_is_known_by_its_suffix_or_its_brackets():
    assert normalise_company("江州市恒信商贸有限公司") == "恒信商贸"
    assert normalise_company("安吉县恒信竹木制品厂") == "恒信竹木制品"
    assert normalise_company("恒信达建设工程（江州）有限责任公司") == "恒信达建设工程"
    assert normalise_company("恒信达市政工程有限公司") == "恒信达市政工程"  # 市政 is the trade, not a city
    assert normalise_company("恒信达（科技）有限公司") == "恒信达科技"  # an industry in brackets stays
    assert company_region("江州市恒信商贸有限公司") == ""  # dropped, but it names no province we know


def test_a_place_is_kept_when_nothing_else_would_name_the_company():
    assert normalise_company("北京饭店") == "北京饭店"
    assert normalise_company("金华科技有限公司") == "金华科技"


def test_the_core_splits_trade_name_and_industry_and_knows_the_province():
    core = company_core("广东省深圳市华泰达建设工程有限公司")
    assert (core.trade, core.industry, core.region) == ("华泰达", "建设工程", "广东")
    assert company_region("深圳恒信达科技有限公司") == "广东"
    assert company_region("恒信达科技（上海）有限公司") == "上海"
    assert company_region("恒信达科技有限公司") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京恒信达科技发展有限公司", "恒信达科技有限公司"),
        ("恒信达信息技术有限公司", "恒信达信息科技有限公司"),
        ("恒信达", "北京恒信达科技有限公司"),  # declared by its short name
        ("华泰达建设工程有限公司", "华泰达建筑工程有限公司"),
    ],
)
def test_names_of_the_same_company_written_loosely_reach_the_threshold(a, b):
    assert similarity(a, b) >= THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("恒信科技有限公司", "恒信达科技有限公司"),  # 恒信 vs 恒信达
        ("华泰建设工程有限公司", "华泰达建设工程有限公司"),  # 华泰 vs 华泰达
        ("鑫源恒科技有限公司", "鑫源恒达科技有限公司"),
        ("恒信达科技有限公司", "恒新达科技有限公司"),  # one character apart is another company
        ("恒信达科技有限公司", "恒信达贸易有限公司"),  # the same trade name in another trade
        ("北京华信科技有限公司", "北京中信科技有限公司"),
        ("江州市恒信商贸有限公司", "江州市恒信达商贸有限公司"),  # a shared place does not make names alike
    ],
)
def test_near_misses_stay_below_the_threshold(a, b):
    assert similarity(a, b) < THRESHOLD


def test_similarity_is_symmetric_one_for_the_same_key_and_zero_without_a_name():
    assert similarity("恒信科技有限公司", "恒信达科技有限公司") == similarity("恒信达科技有限公司", "恒信科技有限公司")
    assert similarity("北京恒信达科技有限公司", "恒信达科技（北京）有限公司") == 1.0
    assert similarity("", "恒信达科技有限公司") == 0.0


# --- credit codes -------------------------------------------------------------------------------------------------

WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """GB 32100-2015, written out again here so the test does not lean on the code it tests."""
    total = sum(CODE_CHARACTERS.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    remainder = 31 - total % 31
    return CODE_CHARACTERS[0 if remainder == 31 else remainder]


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # 华为技术有限公司
        "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
        "91330100716105852F",  # 阿里巴巴（中国）有限公司
        "91110108MA01ABCD1" + check_character("91110108MA01ABCD1"),
        "12100000400000624" + check_character("12100000400000624"),  # an institution (事业单位)
    ],
)
def test_valid_codes_pass(code):
    assert credit_code_valid(code)
    assert credit_code_error(code) == ""


def test_a_code_is_read_the_way_people_copy_it():
    assert credit_code_valid(" 9144 0300 7152 6726xg ")
    assert credit_code_valid("９１４４０３００１９２２０３８２１６")


def test_a_wrong_check_character_names_the_expected_one():
    message = credit_code_error("914403001922038217")
    assert "“6”" in message and "“7”" in message and "18th" in message


def test_wrong_length_and_characters_are_named():
    assert "has 17" in credit_code_error("91440300192203821")
    assert "“I”" in credit_code_error("9144030019220382I6")
    assert "“O”" in credit_code_error("91440300O922038216")
    assert "empty" in credit_code_error("")


@given(st.text(alphabet=CODE_CHARACTERS, min_size=17, max_size=17))
def test_every_made_code_is_valid_and_any_other_last_character_is_not(first17):
    code = credit_code_make(first17)
    assert code[-1] == check_character(first17)
    assert credit_code_valid(code)
    for other in CODE_CHARACTERS:
        if other != code[-1]:
            assert not credit_code_valid(first17 + other)
