"""The report's words and numbers in its language: translated phrases, percentages and
decimals written the way the language writes them ("45%", "45 %", "0,45")."""

from __future__ import annotations

import gettext
import math
from dataclasses import dataclass

DASH = "—"  # what the report shows for a number that cannot be worked out


def half_up(value: float, places: int = 0) -> float:
    """Round half away from zero (62.5 -> 63), as people round by hand."""
    factor = 10 ** places
    return math.copysign(math.floor(abs(value) * factor + 0.5) / factor, value)


@dataclass(frozen=True)
class Words:
    """Translate (``words("Before")``) and format numbers for one language."""

    lang: str
    translations: gettext.NullTranslations

    def __call__(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def plural(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self.translations.ngettext(singular, plural, count) % {"count": count,
                                                                       **values}

    def pct(self, value: float | None) -> str:
        """A percent score, whole: "67%" (English), "67 %" (Spanish)."""
        from babel.numbers import format_percent

        if value is None or not math.isfinite(value):
            return DASH
        return format_percent(half_up(value) / 100, locale=self.lang)

    def num(self, value: float | None, places: int = 2) -> str:
        """A decimal: "0.45" (English), "0,45" (Spanish)."""
        from babel.numbers import format_decimal

        if value is None or not math.isfinite(value):
            return DASH
        pattern = "0." + "0" * places if places else "0"
        return format_decimal(half_up(value, places), format=pattern, locale=self.lang)

    def signed(self, value: float | None) -> str:
        """A change in percentage points: "+33", "−5", "0"."""
        if value is None or not math.isfinite(value):
            return DASH
        whole = half_up(value)
        text = self.num(abs(whole), 0)
        return f"+{text}" if whole > 0 else (f"\u2212{text}" if whole < 0 else text)
