"""Training-time image augmentation without torchvision: CLIP's RandomResizedCrop, written with PIL."""

from __future__ import annotations

import math
import random

from PIL import Image


class RandomResizedCrop:
    """Crop a random region of ``scale`` of the area and ``ratio`` aspect, resize it to ``size`` (bicubic).

    The paper's COCO recipe uses scale (0.9, 1.0), so the crop only jitters the framing: a small scale would crop
    away the objects the caption names. Sampling follows torchvision's: ten tries at a random area and log-uniform
    aspect, then a central crop clamped to ``ratio``. Randomness comes from Python's ``random`` module, which the
    Trainer seeds, saves in checkpoints and each dataloader worker reseeds. (Resuming reproduces the run except
    for the crops of the one batch the dataloader had fetched ahead when the checkpoint was written.)
    """

    def __init__(
        self,
        size: int | tuple[int, int],
        scale: tuple[float, float] = (0.9, 1.0),
        ratio: tuple[float, float] = (3 / 4, 4 / 3),
        rng: random.Random | None = None,
    ) -> None:
        if not 0 < scale[0] <= scale[1] <= 1:
            raise ValueError(f"scale must satisfy 0 < min <= max <= 1, got {scale}")
        if not 0 < ratio[0] <= ratio[1]:
            raise ValueError(f"ratio must satisfy 0 < min <= max, got {ratio}")
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.scale, self.ratio = scale, ratio
        self.rng = rng or random

    def crop_box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """``(left, top, right, bottom)`` of the region to keep."""
        area = width * height
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target = area * self.rng.uniform(*self.scale)
            aspect = math.exp(self.rng.uniform(*log_ratio))
            w, h = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
            if 0 < w <= width and 0 < h <= height:
                left, top = self.rng.randint(0, width - w), self.rng.randint(0, height - h)
                return left, top, left + w, top + h
        aspect = width / height
        if aspect < self.ratio[0]:
            w, h = width, round(width / self.ratio[0])
        elif aspect > self.ratio[1]:
            w, h = round(height * self.ratio[1]), height
        else:
            w, h = width, height
        left, top = (width - w) // 2, (height - h) // 2
        return left, top, left + w, top + h

    def __call__(self, image: Image.Image) -> Image.Image:
        if self.scale[0] == 1.0:  # no crop asked for: a plain bicubic resize, and no random numbers drawn
            return image.resize(self.size, Image.Resampling.BICUBIC)
        box = self.crop_box(*image.size)
        return image.resize(self.size, Image.Resampling.BICUBIC, box=box)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio}, bicubic)"
