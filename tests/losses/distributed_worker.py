"""Run under ``torchrun --nproc_per_node 2``: each process takes its share of one batch and saves what it got.

The parent test computes the same batch on one process and compares losses, thresholds and the parameter
gradients that DDP leaves after its mean over processes.
"""

from __future__ import annotations

import sys

import torch
import torch.distributed as dist

from hf_compclip.losses import compositional_loss

CONFIGS = {
    "itc": {"itc_negatives": "none", "imc_weight": 0.0, "cmr_weight": 0.0},
    "itc_hn": {"itc_negatives": "batch", "imc_weight": 0.0, "cmr_weight": 0.0},
    "itc_hn_imc": {"itc_negatives": "batch", "imc_weight": 0.3, "cmr_weight": 0.0},
    "itc_hn_cmr": {"itc_negatives": "batch", "imc_weight": 0.0, "cmr_weight": 0.2},
    "all": {"itc_negatives": "batch", "imc_weight": 0.3, "cmr_weight": 0.2},
    "own_itc_batch_imc": {"itc_negatives": "own", "imc_negatives": "batch", "imc_weight": 0.3, "cmr_weight": 0.2},
    "max_thresholds": {"threshold_mode": "max", "imc_weight": 0.3, "cmr_weight": 0.2},
    "fixed_thresholds": {"threshold_mode": "fixed", "fixed_threshold": 3.0, "imc_weight": 0.3, "cmr_weight": 0.2},
}
SPLITS = {"even": (5, 5), "uneven": (7, 3)}
NUM_TYPES, IMAGE_FEATURES, TEXT_FEATURES, DIM = 4, 12, 10, 6


class TwoTowers(torch.nn.Module):
    """Stands in for CLIP: two projections and a learnable temperature, in float64 for a tight comparison."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.image = torch.nn.Linear(IMAGE_FEATURES, DIM).double()
        self.text = torch.nn.Linear(TEXT_FEATURES, DIM).double()
        self.logit_scale = torch.nn.Parameter(torch.tensor(2.3, dtype=torch.float64))

    def forward(self, images, texts, negatives):
        normalize = torch.nn.functional.normalize
        return (
            normalize(self.image(images), dim=-1),
            normalize(self.text(texts), dim=-1),
            normalize(self.text(negatives), dim=-1),
            self.logit_scale.exp(),
        )


def make_batch(size: int):
    generator = torch.Generator().manual_seed(1)
    images = torch.randn(size, IMAGE_FEATURES, generator=generator, dtype=torch.float64)
    texts = torch.randn(size, TEXT_FEATURES, generator=generator, dtype=torch.float64)
    negatives = torch.randn(size, NUM_TYPES, TEXT_FEATURES, generator=generator, dtype=torch.float64)
    mask = torch.rand(size, NUM_TYPES, generator=generator) < 0.7
    mask[1] = False
    mask[:, 2] = False  # a negative type absent from the batch
    mask[6, 2] = True  # ... except on one row
    return images, texts, negatives, mask


def run(model: torch.nn.Module, rows: slice, config: dict) -> dict:
    images, texts, negatives, mask = make_batch(10)
    image, text, negative, scale = model(images[rows], texts[rows], negatives[rows])
    previous = torch.tensor([1.0, 0.5, 2.0, 4.0], dtype=torch.float64)
    out = compositional_loss(image, text, negative, mask[rows], scale, previous, **config)
    model.zero_grad()
    out.loss.backward()
    return {
        "loss": out.loss.detach(),
        "terms": torch.stack([out.itc_loss, out.imc_loss, out.cmr_loss]).detach(),
        "thresholds": out.thresholds,
        "grads": {name: p.grad.clone() for name, p in model.named_parameters()},
    }


def main(output: str) -> None:
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    model = torch.nn.parallel.DistributedDataParallel(TwoTowers())
    results = {}
    for split, sizes in SPLITS.items():
        start = sum(sizes[:rank])
        for name, config in CONFIGS.items():
            results[f"{split}/{name}"] = run(model, slice(start, start + sizes[rank]), config)
    torch.save(results, f"{output}.rank{rank}")
    # Under load, a rank that tears down while DDP's reducer still holds the gloo group aborts the process
    # ("terminate called without an active exception"): wait for every rank, free DDP, then the group.
    dist.barrier()
    del model
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
