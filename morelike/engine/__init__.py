"""The recommendation engine: pure, synchronous, no Discord. Faces use `Engine` and these types only."""

from morelike.engine.engine import Engine
from morelike.engine.types import (
    Candidate,
    EngineError,
    FilterError,
    Filters,
    Pick,
    Recommendation,
    Resolution,
    SimilarPage,
    TitleCard,
)

__all__ = [
    "Candidate",
    "Engine",
    "EngineError",
    "FilterError",
    "Filters",
    "Pick",
    "Recommendation",
    "Resolution",
    "SimilarPage",
    "TitleCard",
]
