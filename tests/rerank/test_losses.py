import math

import pytest
import torch

from batcoder.rerank.losses import auroc, pairwise_accuracy, pairwise_loss, pointwise_loss, top1_pass_rate


def test_pairwise_loss_is_bradley_terry_negative_log_likelihood():
    good, bad = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 1.0])
    expected = -(math.log(1 / (1 + math.exp(-2.0))) + math.log(1 / (1 + math.exp(1.0)))) / 2
    assert pairwise_loss(good, bad).item() == pytest.approx(expected)
    assert pairwise_loss(torch.tensor([1.0]), torch.tensor([1.0])).item() == pytest.approx(math.log(2))


def test_pairwise_loss_gradient_pushes_passing_up_and_failing_down():
    good, bad = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    pairwise_loss(good, bad).backward()
    assert good.grad.item() == pytest.approx(-0.5) and bad.grad.item() == pytest.approx(0.5)


def test_pairwise_loss_depends_only_on_the_difference():
    assert pairwise_loss(torch.tensor([5.0]), torch.tensor([4.0])).item() == pytest.approx(
        pairwise_loss(torch.tensor([-3.0]), torch.tensor([-4.0])).item())


def test_pointwise_loss_is_bce_on_the_label():
    assert pointwise_loss(torch.tensor([0.0, 0.0]), torch.tensor([True, False])).item() == pytest.approx(math.log(2))
    assert pointwise_loss(torch.tensor([10.0]), torch.tensor([True])).item() < 1e-3


def test_pairwise_accuracy_counts_within_problem_pairs_and_ties_half():
    groups = [([3.0, 1.0, 2.0], [True, False, False]),  # 2/2 right
              ([1.0, 1.0], [True, False]),  # tie: 1/2
              ([0.0, 5.0], [True, True])]  # no pair
    assert pairwise_accuracy(groups) == pytest.approx(2.5 / 3)
    assert pairwise_accuracy([([1.0], [True])]) is None


def test_auroc_pools_problems():
    assert auroc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.9], [True, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([1.0, 2.0], [True, True]) is None


def test_top1_pass_rate_takes_the_first_of_tied_best():
    groups = [([0.1, 0.9], [False, True]), ([0.7, 0.7], [False, True]), ([2.0, 1.0], [False, True])]
    assert top1_pass_rate(groups) == pytest.approx(1 / 3)
    assert top1_pass_rate([]) is None
