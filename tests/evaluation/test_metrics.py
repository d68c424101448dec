import pytest
import torch

from hf_compclip.evaluation.metrics import (
    accuracy,
    beats_all,
    group_accuracies,
    macro_mean,
    recall_at_k,
    top_k_accuracy,
    winoground_scores,
)


def test_beats_all_is_strict():
    assert beats_all([0.5], [0.4])
    assert not beats_all([0.5], [0.5])  # a tie is wrong
    assert not beats_all([0.5, 0.3], [0.4])  # every positive must win
    assert not beats_all([0.5], [0.1, 0.6])  # against every negative


def test_group_accuracies_keep_large_groups_and_macro_differs_from_micro():
    groups = ["a", "a", "a", "a", "b", "b", "c"]
    correct = [True, True, True, False, False, True, True]
    per_group, counts = group_accuracies(groups, correct, min_count=2)
    assert per_group == {"a": 0.75, "b": 0.5}
    assert counts == {"a": 4, "b": 2}
    assert macro_mean(per_group) == pytest.approx(0.625)
    assert accuracy(correct) == pytest.approx(5 / 7)


def test_accuracy_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        accuracy([])


def test_winoground_scores_by_hand():
    # scores[n, caption, image]
    scores = torch.tensor(
        [
            [[0.9, 0.1], [0.2, 0.8]],  # both right: text, image, group
            [[0.9, 0.8], [0.2, 0.1]],  # caption 0 wins both images: text wrong; image right (0.9>0.8, 0.1<0.2? no)
            [[0.5, 0.5], [0.5, 0.5]],  # all tied: everything wrong
        ]
    )
    # example 1: text needs c0i0>c1i0 (0.9>0.2 yes) and c1i1>c0i1 (0.1>0.8 no) -> wrong;
    # image needs c0i0>c0i1 (0.9>0.8 yes) and c1i1>c1i0 (0.1>0.2 no) -> wrong.
    assert winoground_scores(scores) == pytest.approx({"text": 1 / 3, "image": 1 / 3, "group": 1 / 3})


def test_recall_counts_ties_against_the_query():
    similarity = torch.tensor([[0.9, 0.9, 0.1], [0.2, 0.3, 0.4]])
    # query 0: relevant column 1 ties with column 0 -> rank 1; query 1: relevant column 2 is best -> rank 0
    assert recall_at_k(similarity, [[1], [2]], [1, 2]) == {1: 0.5, 2: 1.0}
    # several relevant columns: the best one counts (query 0: 0.9 beats all irrelevant; query 1: 0.3 < 0.4)
    assert recall_at_k(similarity, [[0, 1], [0, 1]], [1]) == {1: 0.5}


def test_top_k_accuracy_with_ties():
    logits = torch.tensor([[0.3, 0.3, 0.1], [0.1, 0.5, 0.2], [0.9, 0.0, 0.0]])
    labels = torch.tensor([0, 2, 0])
    # row 0 tied with class 1 -> rank 1; row 1 label second -> rank 1; row 2 rank 0
    assert top_k_accuracy(logits, labels, [1, 2]) == pytest.approx({1: 1 / 3, 2: 1.0})
