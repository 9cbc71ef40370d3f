import pytest
import torch

from batcoder.rl.dynamic_sampling import informative_groups, select_groups
from batcoder.rl.replay import Experience, ReplayBuffer
from batcoder.rollout.rewards import assign_rewards


def _buffer():
    buffer = ReplayBuffer(pad_token_id=0)
    buffer.extend(
        [
            Experience([1, 2, 3], [4, 5], advantage=1.0, stage="code2doc", old_log_probs=torch.tensor([-1.0, -2.0])),
            Experience([6], [7, 8, 9], advantage=-0.5, stage="doc2code", old_log_probs=torch.tensor([-3.0, -4.0, -5.0])),
            Experience([6], [], advantage=2.0, stage="doc2code"),  # empty response: nothing to train, dropped
        ]
    )
    return buffer


def test_collate_pads_right_and_masks_response_predictions():
    buffer = _buffer()
    assert len(buffer) == 2
    (batch,) = buffer.micro_batches(size=4)
    assert batch.input_ids.tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 0]]
    assert batch.attention_mask.tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]
    # column t predicts token t+1: response tokens sit at 3..4 (row 0) and 1..3 (row 1)
    assert batch.action_mask.tolist() == [[0, 0, 1, 1], [1, 1, 1, 0]]
    assert batch.old_log_probs.tolist() == [[0, 0, -1, -2], [-3, -4, -5, 0]]
    assert batch.ref_log_probs is None
    assert batch.advantages.tolist() == [1.0, -0.5]
    assert batch.num_action_tokens == 5


def test_set_log_probs_round_trips_through_collate():
    buffer = ReplayBuffer(pad_token_id=0)
    buffer.extend([Experience([1, 2], [3], 0.0, "code2doc"), Experience([1], [2, 3, 4], 0.0, "doc2code")])
    (batch,) = buffer.micro_batches(size=2)
    log_probs = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    buffer.set_log_probs(batch, log_probs, "ref_log_probs")
    assert buffer.experiences[0].ref_log_probs.tolist() == [1.0]
    assert buffer.experiences[1].ref_log_probs.tolist() == [3.0, 4.0, 5.0]
    (again,) = buffer.micro_batches(size=2)
    assert (again.ref_log_probs * again.action_mask).tolist() == [[0, 1, 0], [3, 4, 5]]


def test_micro_batches_cover_every_experience_once_in_a_seeded_order():
    buffer = ReplayBuffer(pad_token_id=0)
    buffer.extend([Experience([1], [i + 10], float(i), "code2doc") for i in range(7)])
    batches = buffer.micro_batches(size=3, generator=torch.Generator().manual_seed(0))
    assert [len(b.indices) for b in batches] == [3, 3, 1]
    assert sorted(i for b in batches for i in b.indices) == list(range(7))
    again = buffer.micro_batches(size=3, generator=torch.Generator().manual_seed(0))
    assert [b.indices for b in batches] == [b.indices for b in again]


def test_reward_assignment():
    doc_rewards, code_rewards = assign_rewards([1.0, 0.5, 0.0, 1.0], [0.8, 0.6, None, 0.0])
    assert doc_rewards == pytest.approx([0.8, 0.3, 0.0, 0.0])
    assert code_rewards == pytest.approx([0.8, 0.6, 0.0])


def test_reward_assignment_rejects_inconsistent_input():
    with pytest.raises(ValueError):
        assign_rewards([0.0], [0.5])
    with pytest.raises(ValueError):
        assign_rewards([1.0], [None])


def test_informative_groups_need_reward_variance():
    rewards = [0.0, 0.0, 0.3, 0.3, 0.1, 0.9, 1.0]
    groups = [0, 0, 1, 1, 2, 2, 3]
    assert informative_groups(rewards, groups) == {2}


def test_select_groups_fills_up_to_the_target_and_counts_drops():
    kept, dropped = select_groups([], [0, 1, 2, 3], informative={1, 3}, target=4)
    assert (kept, dropped) == ([1, 3], 2)
    kept, dropped = select_groups(kept, [4, 5, 6, 7], informative={4, 6, 7}, target=4)
    assert (kept, dropped) == ([1, 3, 4, 6], 1)
