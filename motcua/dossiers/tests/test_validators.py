"""Applicant identifiers as people type them (rules §9.1)."""

import pytest
from django.utils import timezone

from motcua.dossiers.validators import IdentifierError, clean_personal_id, encoded_birth_year


def test_the_birth_year_a_personal_id_encodes():
    assert encoded_birth_year("001089012345") == 1989  # d4 0: a man born in the 1900s
    assert encoded_birth_year("001185012345") == 1985  # d4 1: a woman born in the 1900s
    assert encoded_birth_year("001203012345") == 2003
    assert encoded_birth_year("001320012345") == 2020
    assert encoded_birth_year("001499012345") == 2199  # d4 4: the 2100s


@pytest.mark.parametrize("number", ["001499012345", "001599012345", "001999012345", "001299012345"])
def test_a_personal_id_born_in_the_future_is_refused(number):
    """0014… (the 2100s) or 001299… (2099) was accepted: a number nobody living can hold, most likely a typing
    error in the century digit."""
    with pytest.raises(IdentifierError) as exc:
        clean_personal_id(number)
    assert "chưa tới" in exc.value.message and "in the future" in exc.value.message_en


def test_a_personal_id_born_this_year_is_taken():
    year = timezone.localdate().year
    number = f"0013{year % 100:02d}012345" if year >= 2000 else f"0011{year % 100:02d}012345"
    assert clean_personal_id(number) == number


def test_a_personal_id_grouped_with_dashes_is_taken():
    """Spaces and dots were dropped but dashes refused ("phải gồm đúng 12 chữ số"), while the claim page takes them."""
    assert clean_personal_id("001-203-012-345") == "001203012345"
    assert clean_personal_id(" 001 203.012-345 ") == "001203012345"


def test_a_migrated_record_keeps_a_number_its_old_system_accepted():
    """The future-birth check is for what people type now; the migration import (allow_legacy) takes the number
    as the old system stored it, or one typo would stop the whole all-or-nothing import."""
    assert clean_personal_id("001499012345", allow_legacy=True) == "001499012345"
    with pytest.raises(IdentifierError):  # a province code that does not exist is still refused
        clean_personal_id("999203012345", allow_legacy=True)
