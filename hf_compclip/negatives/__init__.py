"""Hard negative captions: generators, the cached ``datasets`` pipeline, NegCLIP import and a quality report.

Every generator maps a list of captions to rows of K typed slots (``negatives``, ``negative_types``,
``negative_mask``), the same K for every row.
"""

from .context import ContextModel, default_context_model
from .inputs import read_captions
from .lexicon import Lexicon, default_lexicon
from .negclip import NegClipGenerator, negclip_dataset, read_negclip_tsv
from .paper import PaperGenerator
from .pipeline import add_hard_negatives
from .quality import TrigramLanguageModel, plot_reports, quality_report, report_markdown
from .registry import GENERATOR_NAMES, load_generator
from .rules import DEFAULT_SLOTS, PAPER_SLOT_OPERATIONS, RULE_OPERATIONS, RulesGenerator
from .schema import NEGATIVE_COLUMNS, PAPER_NEGATIVE_TYPES, NegativeGenerator, make_row, negative_features

__all__ = [
    "DEFAULT_SLOTS",
    "GENERATOR_NAMES",
    "NEGATIVE_COLUMNS",
    "PAPER_NEGATIVE_TYPES",
    "PAPER_SLOT_OPERATIONS",
    "RULE_OPERATIONS",
    "ContextModel",
    "Lexicon",
    "NegClipGenerator",
    "NegativeGenerator",
    "PaperGenerator",
    "RulesGenerator",
    "TrigramLanguageModel",
    "add_hard_negatives",
    "default_context_model",
    "default_lexicon",
    "load_generator",
    "make_row",
    "negative_features",
    "negclip_dataset",
    "plot_reports",
    "quality_report",
    "read_captions",
    "read_negclip_tsv",
    "report_markdown",
]
