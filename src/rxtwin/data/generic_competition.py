"""Load ``generic_competition.yaml``: generic prices by number of makers, the first
generic's exclusivity and approval times, each with its source or assumption.

Validated into :class:`GenericCompetition`, which the engine
(:mod:`rxtwin.econ.market_entry`) takes as an argument.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator

from rxtwin.data.documents import (
    bundled_data_file,
    parse_sourced_model,
    read_data_text,
)
from rxtwin.model.base import BoundedNonNegative, Fraction, RxModel, WholeNumber

__all__ = ["GenericCompetition", "load_generic_competition", "parse_generic_competition"]


class GenericCompetition(RxModel):
    """Generic competition parameters (units in the names)."""

    price_share_of_brand_by_makers: dict[int, Fraction] = Field(min_length=1)
    exclusivity_months: BoundedNonNegative
    anda_review_months: BoundedNonNegative
    delay_probability: Fraction
    delay_months: BoundedNonNegative
    exit_margin_share: Fraction
    exit_after_yr: WholeNumber = Field(ge=1, le=100)
    reliability_premium_share: BoundedNonNegative
    anda_filing_fee_usd: BoundedNonNegative
    platform_filing_cost_usd: BoundedNonNegative
    platform_review_months: BoundedNonNegative
    supplement_fee_usd: BoundedNonNegative
    supplement_review_months: BoundedNonNegative
    provenance: dict[str, str]

    @field_validator("price_share_of_brand_by_makers")
    @classmethod
    def _falls_with_makers(cls, table: dict[int, float]) -> dict[int, float]:
        counts = sorted(table)
        if counts[0] < 1:
            raise ValueError(f"maker counts start at 1 (got {counts[0]})")
        shares = [table[n] for n in counts]
        if any(b > a for a, b in zip(shares, shares[1:], strict=False)):
            raise ValueError(f"price shares must not rise with more makers (got {table})")
        return table


def load_generic_competition(path: Path | None = None) -> GenericCompetition:
    """Read the parameters (the bundled file unless ``path`` is given); errors name the
    file, the key and the rule."""
    if path is None:
        return _bundled()
    return parse_generic_competition(read_data_text(Path(path)), str(path))


@lru_cache(maxsize=1)
def _bundled() -> GenericCompetition:
    path = bundled_data_file("generic_competition.yaml")
    return parse_generic_competition(read_data_text(path), str(path))


def parse_generic_competition(text: str, where: str = "<text>") -> GenericCompetition:
    """The parameters from the text of a file (``where`` names it in messages)."""
    return parse_sourced_model(GenericCompetition, text, where)
