"""Phone numbers normalised with `phonenumbers`: E.164 for storage and matching, region and carrier for
the agent's screen pop. Numbers without a country code are read as Chinese numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import carrier, geocoder

from ticketing.errors import InvalidInput

DEFAULT_REGION = "CN"
MAX_RAW_LENGTH = 40


@dataclass(frozen=True)
class PhoneInfo:
    e164: str
    region: str | None  # e.g. "北京市", "广东省深圳市"
    carrier: str | None  # e.g. "中国移动"; empty for fixed lines
    is_mobile: bool


def invalid_phone(raw: str) -> InvalidInput:
    return InvalidInput(f"电话号码无效：{raw}", code="invalid_phone", field="contact_phone")


@lru_cache(maxsize=4096)
def normalise_phone(raw: str) -> PhoneInfo:
    """Parse a number as typed or as delivered by SIP; raise InvalidInput when it is not a real number."""
    cleaned = raw.strip()
    if not cleaned or len(cleaned) > MAX_RAW_LENGTH:
        raise invalid_phone(raw)
    try:
        number = phonenumbers.parse(cleaned, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise invalid_phone(raw) from None
    if not phonenumbers.is_valid_number(number):
        raise invalid_phone(raw)
    kind = phonenumbers.number_type(number)
    is_mobile = kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return PhoneInfo(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        region=geocoder.description_for_number(number, "zh") or None,
        carrier=carrier.name_for_number(number, "zh") or None,
        is_mobile=is_mobile,
    )
