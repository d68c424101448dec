"""CE-CLIP's losses as pure tensor functions: usable from any training loop, exact on many processes."""

from hf_compclip.losses.cmr import ThresholdMode, cmr_loss, next_thresholds
from hf_compclip.losses.compositional import CITATION, CompositionalLossOutput, compositional_loss
from hf_compclip.losses.distributed import gather_batch, world
from hf_compclip.losses.imc import ImcNegatives, imc_loss
from hf_compclip.losses.itc import ItcNegatives, itc_loss

__all__ = [
    "CITATION",
    "CompositionalLossOutput",
    "ImcNegatives",
    "ItcNegatives",
    "ThresholdMode",
    "cmr_loss",
    "compositional_loss",
    "gather_batch",
    "imc_loss",
    "itc_loss",
    "next_thresholds",
    "world",
]
