"""Reward assignment of one function's rollout (the paper's two-stage back-translation rewards)."""

from __future__ import annotations


def assign_rewards(doc_scores: list[float], similarities: list[float | None]) -> tuple[list[float], list[float]]:
    """Rewards of the K documentation trajectories and of the reconstruction trajectories.

    ``doc_scores[k]`` is R_doc ∈ {0, 0.5, 1} of documentation k; ``similarities[k]`` is S(c, c'_k) of
    its reconstruction, ``None`` when the documentation was rejected (R_doc = 0) and so never
    reconstructed. Documentation k gets S·R_doc (0 when rejected); every reconstruction gets S.
    """
    if len(doc_scores) != len(similarities):
        raise ValueError("one similarity (or None) per documentation is needed")
    doc_rewards, code_rewards = [], []
    for r_doc, similarity in zip(doc_scores, similarities):
        if r_doc == 0:
            if similarity is not None:
                raise ValueError("a rejected documentation must not have a reconstruction")
            doc_rewards.append(0.0)
            continue
        if similarity is None:
            raise ValueError("every accepted documentation needs the similarity of its reconstruction")
        doc_rewards.append(similarity * r_doc)
        code_rewards.append(similarity)
    return doc_rewards, code_rewards
