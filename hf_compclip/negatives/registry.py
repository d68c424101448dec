"""Generators by name, for configuration files and the command line."""

from __future__ import annotations

from typing import Any

from .schema import NegativeGenerator

GENERATOR_NAMES = ("rules", "paper", "negclip")


def load_generator(name: str, **options: Any) -> NegativeGenerator:
    """Build the generator called ``name`` with ``options`` (the keyword arguments of its class).

    ``"rules"``: :class:`RulesGenerator` (no download, the default). ``"paper"``: :class:`PaperGenerator`
    (spaCy + fill-mask, as in CE-CLIP). ``"negclip"``: :class:`NegClipGenerator` (needs ``path=`` to a NegCLIP
    TSV).
    """
    if name == "rules":
        from .rules import RulesGenerator

        return RulesGenerator(**options)
    if name == "paper":
        from .paper import PaperGenerator

        return PaperGenerator(**options)
    if name == "negclip":
        from .negclip import NegClipGenerator

        if "path" not in options:
            raise ValueError("the negclip generator needs path=<NegCLIP TSV file> (e.g. valid_neg_clip.tsv)")
        return NegClipGenerator(**options)
    raise ValueError(f"unknown generator {name!r}: choose from {list(GENERATOR_NAMES)}")
