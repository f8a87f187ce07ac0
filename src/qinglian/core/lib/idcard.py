"""Resident identity card numbers (GB 11643-1999): checksum, birth date, gender, masking.

An 18-character number: 6-digit address code, 8-digit birth date, 3-digit sequence (odd for men,
even for women) and a check character computed with ISO 7064 MOD 11-2 ('X' stands for 10).
"""

from __future__ import annotations

import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
SHAPE = re.compile(r"^\d{17}[\dX]$")


class IdNumberError(ValueError):
    """The number is not a valid identity card number; the message says why (in English codes)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalise(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def check_character(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def validate(value: str) -> str:
    """The normalised number, or IdNumberError with code 'shape', 'date' or 'checksum'."""
    number = normalise(value)
    if not SHAPE.match(number):
        raise IdNumberError("shape")
    try:
        born = birth_date(number)
    except ValueError:
        raise IdNumberError("date") from None
    if born > date.today() or born.year < 1900:
        raise IdNumberError("date")
    if check_character(number[:17]) != number[17]:
        raise IdNumberError("checksum")
    return number


def birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender(number: str) -> str:
    """'M' or 'F' from the sequence code."""
    return "M" if int(number[16]) % 2 else "F"


def mask(number: str) -> str:
    """The first six and last four characters, the rest hidden (all of it when too short to show any)."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) >= 10 else "*" * len(number)


def make(address: str, born: date, sequence: int) -> str:
    """A valid number from its parts (for demo data and tests)."""
    first17 = f"{address}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
