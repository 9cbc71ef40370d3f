"""Exact and near-duplicate detection for corpus functions.

Exact duplicates share the same code after whitespace is normalised (comments are already stripped
when functions reach this point). Near duplicates are found with MinHash LSH (``datasketch``) over
token 5-gram shingles; an LSH candidate only counts when its estimated Jaccard similarity really
reaches the threshold, so the banding approximation never removes a function on its own.
"""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

TOKEN = re.compile(r"\w+|[^\w\s]")
SHINGLE_SIZE = 5
NUM_PERM = 128
SCHEME = "affine32"
SEED = 1


def tokens(code: str) -> list[str]:
    """Identifiers, keywords, numbers and single punctuation characters, in order."""
    return TOKEN.findall(code)


def exact_key(code: str) -> str:
    """A hash that is equal for two pieces of code differing only in whitespace."""
    return hashlib.sha256(" ".join(code.split()).encode("utf-8")).hexdigest()


class Signer:
    """Computes MinHash signatures; create one per process (the permutations are derived once)."""

    def __init__(self, num_perm: int = NUM_PERM):
        self.num_perm = num_perm
        self._permutations = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations

    def signature(self, code: str) -> np.ndarray:
        words = tokens(code)
        if len(words) < SHINGLE_SIZE:
            shingles = {" ".join(words)}
        else:
            shingles = {" ".join(words[i : i + SHINGLE_SIZE]) for i in range(len(words) - SHINGLE_SIZE + 1)}
        # CRC-32 is a C call (datasketch's default SHA-1 wrapper is Python); the affine32 scheme mixes
        # every input hash with the MurmurHash3 finaliser, so CRC's linearity does not bias the estimate.
        minhash = MinHash(
            num_perm=self.num_perm, seed=SEED, permutations=self._permutations, scheme=SCHEME, hashfunc=zlib.crc32
        )
        minhash.update_batch([shingle.encode("utf-8") for shingle in shingles])
        return minhash.hashvalues


class NearDuplicateIndex:
    """First-come-first-kept near-duplicate filter: ``add`` returns False for a near duplicate of an
    earlier signature (which is then not indexed), True otherwise."""

    def __init__(self, threshold: float, num_perm: int = NUM_PERM):
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._kept: dict[int, LeanMinHash] = {}

    def add(self, signature: np.ndarray) -> bool:
        minhash = LeanMinHash(seed=SEED, hashvalues=signature, scheme=SCHEME)
        for candidate in self._lsh.query(minhash):
            if minhash.jaccard(self._kept[candidate]) >= self.threshold:
                return False
        key = len(self._kept)
        self._kept[key] = minhash
        self._lsh.insert(key, minhash)
        return True
