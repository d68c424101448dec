"""Each loss term against METHOD.md's formulas computed loop by loop."""

import pytest
import torch

from hf_compclip.losses import cmr_loss, compositional_loss, imc_loss, itc_loss, next_thresholds
from tests.losses import reference
from tests.losses.reference import random_batch

SCALE = 14.0  # large enough that the softmaxes are far from uniform, small enough to keep float32 exact
ALL = slice(None)


@pytest.mark.parametrize("num_types", [1, 2, 3, 4])
@pytest.mark.parametrize("mode", ["batch", "own", "none"])
def test_itc_matches_loop(num_types, mode):
    image, text, negatives, mask = random_batch(6, num_types, seed=num_types)
    value = itc_loss(image, text, torch.tensor(SCALE), ALL, negatives, mask, mode)
    assert value.item() == pytest.approx(reference.itc(image, text, negatives, mask, SCALE, mode), rel=1e-5)


@pytest.mark.parametrize("num_types", [1, 2, 3, 4])
@pytest.mark.parametrize("mode", ["own", "batch"])
def test_imc_matches_loop(num_types, mode):
    image, text, negatives, mask = random_batch(6, num_types, seed=10 + num_types)
    value = imc_loss(image, text, negatives, mask, torch.tensor(SCALE), ALL, mode)
    assert value.item() == pytest.approx(reference.imc(image, text, negatives, mask, SCALE, mode), rel=1e-5)


@pytest.mark.parametrize("num_types", [1, 2, 3, 4])
def test_cmr_matches_loop(num_types):
    image, text, negatives, mask = random_batch(6, num_types, seed=20 + num_types)
    thresholds = torch.linspace(0.0, 3.0, num_types)
    value = cmr_loss(image, text, negatives, mask, torch.tensor(SCALE), thresholds, ALL)
    expected = reference.cmr(image, text, negatives, mask, SCALE, thresholds)
    assert expected > 0
    assert value.item() == pytest.approx(expected, rel=1e-5)


def test_invalid_negatives_never_matter():
    """Whatever an invalid slot's embedding holds, no term and no threshold changes."""
    image, text, negatives, mask = random_batch(5, 4, seed=3)
    before = compositional_loss(image, text, negatives, mask, SCALE, torch.ones(4), imc_weight=0.5, cmr_weight=0.5)
    scrambled = negatives.clone()
    scrambled[~mask] = torch.nn.functional.normalize(torch.randn(int((~mask).sum()), 8), dim=-1)
    after = compositional_loss(image, text, scrambled, mask, SCALE, torch.ones(4), imc_weight=0.5, cmr_weight=0.5)
    for name in ("loss", "itc_loss", "imc_loss", "cmr_loss", "thresholds"):
        torch.testing.assert_close(getattr(after, name), getattr(before, name), rtol=0, atol=0)


def test_rows_without_valid_negatives():
    """No valid negative anywhere: hard-negative ITC falls back to CLIP, IMC and CMR are exactly 0."""
    image, text, negatives, _ = random_batch(4, 3, seed=4)
    mask = torch.zeros(4, 3, dtype=torch.bool)
    out = compositional_loss(image, text, negatives, mask, SCALE, torch.full((3,), 2.0), imc_weight=1, cmr_weight=1)
    plain = itc_loss(image, text, torch.tensor(SCALE), ALL, hard_negatives="none")
    assert out.itc_loss.item() == pytest.approx(plain.item(), rel=1e-6)
    assert out.imc_loss.item() == 0.0
    assert out.cmr_loss.item() == 0.0
    torch.testing.assert_close(out.thresholds, torch.full((3,), 2.0))  # no information: previous values kept


@pytest.mark.parametrize("mode", ["mean", "max", "fixed"])
def test_thresholds_match_loop(mode):
    image, text, negatives, mask = random_batch(8, 4, seed=5)
    mask[:, 3] = False  # a type absent from the batch keeps its previous value
    previous = torch.tensor([0.5, 1.0, 1.5, 2.5])
    updated = next_thresholds(image, text, negatives, mask, torch.tensor(SCALE), previous, mode, 10.0, 2.0)
    expected = reference.thresholds(image, text, negatives, mask, SCALE, previous, mode)
    torch.testing.assert_close(updated, torch.tensor(expected), rtol=1e-5, atol=1e-5)
    if mode != "fixed":
        assert updated[3].item() == 2.5


def test_thresholds_are_clamped_to_the_upper_bound_and_zero():
    image, text, negatives, mask = random_batch(8, 2, seed=6, valid=1.0)
    mask[0] = True
    negatives[:, 0] = -image  # far from the image: a huge gap, capped
    negatives[:, 1] = image  # closer to the image than the caption: a negative gap, floored at 0
    updated = next_thresholds(image, text, negatives, mask, torch.tensor(100.0), torch.zeros(2), "mean", 10.0, 2.0)
    assert updated.tolist() == [10.0, 0.0]


def test_thresholds_come_from_the_previous_step():
    """The hinge of step t uses the thresholds passed in; the returned ones are computed from step t's batch."""
    image, text, negatives, mask = random_batch(6, 2, seed=7)
    start = torch.zeros(2)
    first = compositional_loss(image, text, negatives, mask, SCALE, start, imc_weight=0, cmr_weight=1)
    assert first.cmr_loss.item() == pytest.approx(reference.cmr(image, text, negatives, mask, SCALE, start), rel=1e-5)
    second = compositional_loss(image, text, negatives, mask, SCALE, first.thresholds, imc_weight=0, cmr_weight=1)
    expected = reference.cmr(image, text, negatives, mask, SCALE, first.thresholds)
    assert second.cmr_loss.item() == pytest.approx(expected, rel=1e-5)
    assert second.cmr_loss.item() > first.cmr_loss.item()
    assert not first.thresholds.requires_grad


def test_total_is_the_weighted_sum_and_terms_switch_off():
    image, text, negatives, mask = random_batch(6, 4, seed=8)
    thresholds = torch.tensor([1.0, 2.0, 0.0, 3.0])
    out = compositional_loss(image, text, negatives, mask, SCALE, thresholds, imc_weight=0.3, cmr_weight=0.2)
    expected = out.itc_loss + 0.3 * out.imc_loss + 0.2 * out.cmr_loss
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-6)
    itc_only = compositional_loss(image, text, negatives, mask, SCALE, thresholds, imc_weight=0, cmr_weight=0)
    assert itc_only.loss.item() == pytest.approx(out.itc_loss.item(), rel=1e-6)
    assert itc_only.imc_loss.item() == pytest.approx(out.imc_loss.item(), rel=1e-6)  # still reported


def test_plain_clip_needs_no_negatives():
    image, text, _, _ = random_batch(5, 1, seed=9)
    out = compositional_loss(image, text, None, None, SCALE, itc_negatives="none", imc_weight=0, cmr_weight=0)
    assert out.loss.item() == pytest.approx(reference.itc(image, text, None, None, SCALE, "none"), rel=1e-5)
    assert out.thresholds.shape == (0,)


def test_gradient_of_the_total_matches_the_loop_formula():
    image, text, negatives, mask = random_batch(5, 3, seed=11)
    leaves = [t.clone().double().requires_grad_() for t in (image, text, negatives)]
    thresholds = torch.tensor([0.5, 1.0, 2.0])
    out = compositional_loss(*leaves, mask, SCALE, thresholds, imc_weight=0.3, cmr_weight=0.2)
    out.loss.backward()
    step = 1e-6
    for position, leaf in enumerate(leaves):
        index = (1,) * leaf.ndim
        with torch.no_grad():
            bumped = [t.detach().clone() for t in leaves]
            bumped[position][index] += step
            args = (*bumped, mask, SCALE)
            up = (
                reference.itc(*args, "batch")
                + 0.3 * reference.imc(*args, "own")
                + 0.2 * reference.cmr(*args, thresholds)
            )
            bumped[position][index] -= 2 * step
            down = (
                reference.itc(*args, "batch")
                + 0.3 * reference.imc(*args, "own")
                + 0.2 * reference.cmr(*args, thresholds)
            )
        assert leaf.grad[index].item() == pytest.approx((up - down) / (2 * step), rel=1e-3, abs=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"negative_embeds": torch.zeros(3, 2, 8), "negative_mask": torch.ones(3, 3, dtype=torch.bool)},
            "negative_mask",
        ),
        (
            {"negative_embeds": torch.zeros(2, 2, 8), "negative_mask": torch.ones(2, 2, dtype=torch.bool)},
            "negative_embeds",
        ),
        ({"negative_embeds": None, "negative_mask": None}, "needs hard negatives"),
    ],
)
def test_bad_shapes_are_named(kwargs, message):
    image, text, _, _ = random_batch(3, 2, seed=12)
    with pytest.raises(ValueError, match=message):
        compositional_loss(image, text, logit_scale=SCALE, **kwargs)


def test_fixed_thresholds_apply_from_the_first_step():
    image, text, negatives, mask = random_batch(6, 2, seed=13)
    out = compositional_loss(
        image,
        text,
        negatives,
        mask,
        SCALE,
        None,
        imc_weight=0,
        cmr_weight=1,
        threshold_mode="fixed",
        fixed_threshold=3.0,
    )
    expected = reference.cmr(image, text, negatives, mask, SCALE, torch.full((2,), 3.0))
    assert out.cmr_loss.item() == pytest.approx(expected, rel=1e-5)


def test_a_callers_autocast_does_not_lower_the_precision():
    image, text, negatives, mask = random_batch(6, 3, seed=14)
    plain = compositional_loss(image, text, negatives, mask, SCALE, torch.ones(3), imc_weight=0.3, cmr_weight=0.2)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        autocast = compositional_loss(
            image, text, negatives, mask, SCALE, torch.ones(3), imc_weight=0.3, cmr_weight=0.2
        )
    assert autocast.loss.dtype == torch.float32
    torch.testing.assert_close(autocast.loss, plain.loss)
    torch.testing.assert_close(autocast.thresholds, plain.thresholds)
