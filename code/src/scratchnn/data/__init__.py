"""scratchnn.data: verified real MNIST, minibatches and splits, augmentation, and toy data sets.

``load_mnist()`` (``mnist.py``) returns the real MNIST checked against known SHA-256 hashes;
``DataLoader`` and the splits live in ``loader.py``, random shifts and rotations in ``augment.py``,
the small synthetic sets of the concept chapters in ``toy.py``.
"""

from ._mnist_sources import MNIST_SPEC, DataIntegrityError, MNISTSpec, read_idx
from .augment import random_rotate, random_shift
from .loader import DataLoader, small_train_split, train_val_split
from .mnist import (CACHE_ENV, MNIST, CacheAccessError, ForeignCacheFile, MNISTUnavailable, cache_dir, cache_path,
                    fetch_mnist, import_mnist, load_mnist, verify_mnist_cache)
from .toy import make_linearly_separable, make_regression_1d, make_spirals, make_xor

__all__ = [
    "MNIST", "MNISTUnavailable", "ForeignCacheFile", "CacheAccessError", "DataIntegrityError", "MNISTSpec", "MNIST_SPEC",
    "load_mnist", "fetch_mnist", "import_mnist", "verify_mnist_cache", "cache_dir", "cache_path", "read_idx",
    "DataLoader", "train_val_split", "small_train_split", "random_shift", "random_rotate",
    "make_xor", "make_spirals", "make_linearly_separable", "make_regression_1d",
]  # fmt: skip
