"""Reward workers: a Ctrl-C reaching the process group leaves them alone (the trainer decides when to
stop), a killed worker is replaced and its batch scored again (counted), a batch that keeps failing
is a one-line error."""

import os
import signal
import time

import pytest

from batcoder.errors import UserError
from batcoder.rollout.scoring import SimilarityScorer
from batcoder.similarity import score_pairs

PAIRS = [("def f(a):\n    return a + 1", "def g(x):\n    return x + 1", "python"), ("def f(a):\n    return a", "def f(a):\n    return a", "python")]


def _wait_for_workers(scorer):
    scores, _, rescored = scorer.result(scorer.submit(PAIRS))  # starts the workers
    assert rescored == 0 and scorer.worker_pids()
    return scorer.worker_pids()


def test_workers_ignore_the_groups_sigint(capfd):
    expected = score_pairs(PAIRS, metric="cssg", workers=1)
    with SimilarityScorer("cssg", workers=1) as scorer:
        pids = _wait_for_workers(scorer)
        for pid in pids:
            os.kill(pid, signal.SIGINT)
        time.sleep(0.5)
        scores, _, rescored = scorer.result(scorer.submit(PAIRS))
        assert scores == expected and rescored == 0 and scorer.worker_pids() == pids
    assert "KeyboardInterrupt" not in capfd.readouterr().err


def test_a_killed_worker_is_replaced_and_its_batch_rescored():
    expected = score_pairs(PAIRS, metric="cssg", workers=1)
    with SimilarityScorer("cssg", workers=1) as scorer:
        pids = _wait_for_workers(scorer)
        os.kill(pids[0], signal.SIGKILL)
        while _alive(pids[0]):
            time.sleep(0.05)
        scores, _, rescored = scorer.result(scorer.submit(PAIRS * 50))
        assert scores == expected * 50 and rescored == 1
        assert scorer.worker_pids() and scorer.worker_pids() != pids


def test_a_batch_over_the_timeout_twice_is_a_one_line_error():
    # A fresh pool's worker imports the similarity package before it scores: far over 1 ms.
    with SimilarityScorer("cssg", workers=1, timeout_s=0.001) as scorer:
        with pytest.raises(UserError, match=r"failed 2 times \(scoring took over 0.001 s\); raise rollout.reward_timeout_s") as error:
            scorer.result(scorer.submit(PAIRS))
    assert "\n" not in str(error.value)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
