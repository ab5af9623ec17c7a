"""The one email rule and the one phone rule, for every entry point (both dialects, bulk file).

Each rule is a regular expression that reads the same in Python's `re`, in pydantic's Rust
engine and in JSON Schema's ECMA dialect: the whitespace is spelled out rather than `\\s`,
whose members differ between the three. The dialects put the pattern in their wire schemas (so
their documents state the rule and their errors keep their shape); the bulk file calls the
functions here. The decision is the same everywhere.
"""

import re

# NUL, the C0 separators Python counts as space, and Unicode White_Space, plus the BOM.
_SPACE = (
    r"\x00\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LOCAL = rf"[^@{_SPACE}]+"
_LABEL = rf"[^@.{_SPACE}]+"
EMAIL_MAX_LENGTH = 254
# A local part, one "@", and a domain of two or more labels, none of them empty.
EMAIL_PATTERN = rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$"
_EMAIL = re.compile(EMAIL_PATTERN)

# A phone, once its spaces and dashes are taken out: 6 to 20 digits, optionally after a "+".
PHONE_PATTERN = r"^\+?[0-9]{6,20}$"
_PHONE = re.compile(PHONE_PATTERN)
_PHONE_SEPARATORS = str.maketrans("", "", " -")


def normalise_email(email: str | None) -> str | None:
    """The form an email is stored and compared in: stripped and lower case; blank is none."""
    return email.strip().lower() if email else None


def is_email(email: str) -> bool:
    """Whether a (normalised) email address is one the platform takes."""
    return len(email) <= EMAIL_MAX_LENGTH and _EMAIL.fullmatch(email) is not None


def compact_phone(phone: str) -> str:
    """A phone without the spaces and dashes typed in it: "+965 5000-0001" is "+96550000001"."""
    return phone.strip().translate(_PHONE_SEPARATORS)


def is_phone(phone: str) -> bool:
    """Whether a compacted phone is one the platform takes."""
    return _PHONE.fullmatch(phone) is not None
