from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qinglian.core.lib import idcard


def test_a_published_example_validates_with_its_x_check_character():
    assert idcard.validate(" 11010519491231002x ") == "11010519491231002X"
    assert idcard.birth_date("11010519491231002X") == date(1949, 12, 31)
    assert idcard.gender("11010519491231002X") == "F"


@pytest.mark.parametrize(
    "number,code",
    [
        ("110105194912310021", "checksum"),
        ("11010519491331002X", "date"),
        ("1101051949123100", "shape"),
        ("A1010519491231002X", "shape"),
        (idcard.make("110101", date(2099, 1, 1), 1), "date"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(number, code):
    with pytest.raises(idcard.IdNumberError) as info:
        idcard.validate(number)
    assert info.value.code == code


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2008, 12, 31)), st.integers(0, 999))
def test_made_numbers_round_trip_and_one_wrong_digit_is_caught(born, sequence):
    number = idcard.make("320102", born, sequence)
    assert idcard.validate(number) == number
    assert idcard.birth_date(number) == born
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    with pytest.raises(idcard.IdNumberError):
        idcard.validate(wrong)


def test_masking_shows_only_the_region_and_the_last_four():
    assert idcard.mask("11010519491231002X") == "110105********002X"
