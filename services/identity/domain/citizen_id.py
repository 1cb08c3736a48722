"""Thai 13-digit citizen id: checksum validation and the only form ever shown (masked).

The id is kept only where the work needs it (matching an HR export); it is stored as a keyed
hash and a masked form, never in clear, and never logged (R-INT-4).
"""

import hashlib
import hmac


class InvalidCitizenId(ValueError):
    pass


def validate(raw: str) -> str:
    digits = raw.replace("-", "").replace(" ", "")
    if len(digits) != 13 or not digits.isdigit():
        raise InvalidCitizenId("citizen id must have 13 digits")
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    if (11 - total % 11) % 10 != int(digits[12]):
        raise InvalidCitizenId("citizen id checksum does not match")
    return digits


def masked(digits: str) -> str:
    """x-xxxx-xxxxx-67-8: the last three digits, enough for a person to recognise their own."""
    return f"x-xxxx-xxxxx-{digits[10:12]}-{digits[12]}"


def keyed_hash(digits: str, key: bytes) -> str:
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()
