"""Experiments: the paper's arms (base, SFT on synthetic pairs, BatCoder and its ablations) x seeds,
from one pretrained base model on the code world, measured by pass@k and back-translation."""
