"""METHOD.md's formulas written as plain loops over samples, the yardstick for the vectorised losses."""

from __future__ import annotations

import math

import torch


def _cos(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() * b.double()).sum())


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def itc(image, text, negatives, mask, a, mode) -> float:
    n = image.shape[0]
    total = 0.0
    for i in range(n):
        row = [a * _cos(image[i], text[j]) for j in range(n)]
        if mode == "batch":
            row += [
                a * _cos(image[i], negatives[j, k]) for j in range(n) for k in range(negatives.shape[1]) if mask[j, k]
            ]
        elif mode == "own":
            row += [a * _cos(image[i], negatives[i, k]) for k in range(negatives.shape[1]) if mask[i, k]]
        total += _logsumexp(row) - row[i]
        column = [a * _cos(text[i], image[j]) for j in range(n)]
        total += _logsumexp(column) - column[i]
    return total / (2 * n)


def imc(image, text, negatives, mask, a, mode) -> float:
    n, num_types = mask.shape
    total = 0.0
    for i in range(n):
        positive = a * _cos(image[i], text[i])
        owners = [i] if mode == "own" else range(n)
        terms = [positive] + [
            a * _cos(text[i], negatives[j, k]) for j in owners for k in range(num_types) if mask[j, k]
        ]
        total += _logsumexp(terms) - positive
    return total / n


def cmr(image, text, negatives, mask, a, thresholds) -> float:
    n, num_types = mask.shape
    hinges = [
        max(0.0, float(thresholds[k]) + a * _cos(image[i], negatives[i, k]) - a * _cos(image[i], text[i]))
        for i in range(n)
        for k in range(num_types)
        if mask[i, k]
    ]
    return sum(hinges) / len(hinges) if hinges else 0.0


def thresholds(image, text, negatives, mask, a, previous, mode, upper=10.0, fixed=2.0) -> list[float]:
    n, num_types = mask.shape
    result = []
    for k in range(num_types):
        valid = [i for i in range(n) if mask[i, k]]
        if mode == "fixed":
            result.append(fixed)
            continue
        if not valid:
            result.append(float(previous[k]))
            continue
        if mode == "mean":
            mean_positive = sum(a * _cos(image[i], text[i]) for i in range(n)) / n
            gap = mean_positive - sum(a * _cos(image[i], negatives[i, k]) for i in valid) / len(valid)
        else:
            gap = max(a * _cos(image[i], text[i]) - a * _cos(image[i], negatives[i, k]) for i in valid) / 5
        result.append(min(max(gap, 0.0), upper))
    return result


def random_batch(n: int, num_types: int, dim: int = 8, seed: int = 0, valid: float = 0.7):
    """Normalised random embeddings, a random negative mask, and one row with no valid negative."""
    generator = torch.Generator().manual_seed(seed)
    image = torch.nn.functional.normalize(torch.randn(n, dim, generator=generator), dim=-1)
    text = torch.nn.functional.normalize(torch.randn(n, dim, generator=generator), dim=-1)
    negatives = torch.nn.functional.normalize(torch.randn(n, num_types, dim, generator=generator), dim=-1)
    mask = torch.rand(n, num_types, generator=generator) < valid
    mask[0] = False
    return image, text, negatives, mask
