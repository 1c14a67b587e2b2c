import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from unionhub.lib import idnumber

# Published example numbers with correct MOD 11-2 check characters.
VALID = ["11010519491231002X", "440524198001010013", "110105194912310029"[:17] + "X"]


def test_known_valid_numbers_pass_including_x_check_character():
    assert idnumber.validate("11010519491231002X") == "11010519491231002X"
    assert idnumber.validate("440524198001010013") == "440524198001010013"


def test_lower_case_x_is_normalised_to_upper_case():
    assert idnumber.validate("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("value", ["110105194912310021", "440524198001010012", "11010519491231002Y"])
def test_wrong_check_character_refused(value):
    with pytest.raises(ValidationError):
        idnumber.validate(value)


def test_impossible_birth_date_refused_even_with_a_correct_checksum():
    body = "11010519490230002"  # 30 February
    with pytest.raises(ValidationError) as err:
        idnumber.validate(body + idnumber.check_char(body))
    assert err.value.code == "id_birth_date"


def test_future_birth_date_refused():
    body = "11010530000101002"
    with pytest.raises(ValidationError):
        idnumber.validate(body + idnumber.check_char(body))


def test_birth_date_and_gender_derived_and_checked():
    value = "11010519491231002X"
    assert idnumber.birth_date(value) == dt.date(1949, 12, 31)
    assert idnumber.gender(value) == "F"  # order code 002: even
    with pytest.raises(ValidationError) as err:
        idnumber.validate(value, expected_gender="M")
    assert err.value.code == "id_gender_mismatch"
    with pytest.raises(ValidationError) as err:
        idnumber.validate(value, expected_birth=dt.date(1949, 12, 30))
    assert err.value.code == "id_birth_mismatch"


def test_wrong_length_and_letters_refused():
    for value in ["1101051949123100", "11010519491231002XX", "A1010519491231002X"]:
        assert not idnumber.is_valid(value)


def test_mask_keeps_region_and_last_four():
    assert idnumber.mask("11010519491231002X") == "110105********002X"


def test_generated_numbers_are_valid():
    value = idnumber.make("420502", dt.date(1990, 5, 17), 123)
    assert idnumber.is_valid(value)
    assert idnumber.gender(value) == "M"


@pytest.mark.parametrize("prefix", ["000000", "999999", "429999", "420599"])
def test_address_code_that_is_no_division_is_refused(prefix):
    value = idnumber.make(prefix, dt.date(1980, 3, 4), 21)  # correct check character, no such division
    with pytest.raises(ValidationError) as err:
        idnumber.validate(value)
    assert err.value.code == "id_address_code"
    assert "行政区划" in str(err.value.messages[0])


@pytest.mark.parametrize(
    "prefix",
    [
        "420502",  # 西陵区, code from 1986: a number issued later to someone born in 1970 stays valid
        "440524",  # 潮阳县, retired in 1993: people keep numbers issued under retired codes
        "420500",  # 宜昌市 itself
    ],
)
def test_address_codes_of_any_period_are_accepted(prefix):
    assert idnumber.validate(idnumber.make(prefix, dt.date(1970, 6, 1), 31))


def test_test_factories_and_demo_use_real_address_codes():
    from demo.members import DemoContext
    from tests.members import factories

    for _ in range(20):
        assert idnumber.is_valid(factories.id_number())
    assert idnumber.is_valid(DemoContext(None).id_number(dt.date(1970, 1, 1), True))
