"""Training data: scikit-learn's bundled 8x8 digits, or MNIST IDX files in a folder.

Both give images ``(N, 1, H, W)`` as float32 in ``[0, 1]`` and labels ``(N,)`` int64.

- ``digits``: the 1,797 images of ``sklearn.datasets.load_digits`` (shipped with
  scikit-learn, nothing downloaded; pixel values 0..16 are divided by 16). The held-out test
  split is fixed: the first 360 indices (20%) of ``numpy.random.default_rng(0).permutation
  (1797)``; the other 1,437 images train. ``--seed`` does not change it.
- a folder: MNIST's ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
  ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each may end in ``.gz``;
  ``-idx`` may also be written ``.idx``); pixels are divided by 255, the t10k files are the
  test split.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symconv.errors import SpecError

DIGITS_TEST = 360
SPLIT_SEED = 0
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MNIST_FILES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
               "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


class MissingExtra(Exception):
    """An optional dependency is not installed; the message names the extra to install."""


@dataclass
class Dataset:
    """Train and test images ``(N, 1, H, W)`` float32, labels ``(N,)`` int64."""

    name: str
    split: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train_x.shape[1:])

    @property
    def classes(self) -> int:
        return int(max(self.train_y.max(), self.test_y.max())) + 1

    def subset(self, train: int, test: int) -> Dataset:
        """The first ``train`` training and ``test`` test examples."""
        return Dataset(self.name, f"{self.split} (first {train} train, {test} test)",
                       self.train_x[:train], self.train_y[:train], self.test_x[:test],
                       self.test_y[:test])


def digits() -> Dataset:
    """scikit-learn's 8x8 digits with the fixed held-out split (module docstring)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingExtra("--data digits needs scikit-learn: pip install 'symconv[train]'") \
            from None
    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None]
    labels = bunch.target.astype(np.int64)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    test, train = order[:DIGITS_TEST], order[DIGITS_TEST:]
    split = (f"{len(train)} train / {len(test)} test images: the test split is the first "
             f"{DIGITS_TEST} of numpy.random.default_rng({SPLIT_SEED}).permutation"
             f"({len(images)})")
    return Dataset("digits", split, images[train], labels[train], images[test], labels[test])


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX array (MNIST's format): two zero bytes, a type code, the number of axes, one
    big-endian uint32 size per axis, then the values, big-endian. Gzipped files are read
    too (by their magic bytes, whatever the name)."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in IDX_TYPES:
        raise SpecError("--data", f"{path}: not an IDX file (bad magic number)")
    dtype, rank = np.dtype(IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * rank
    if len(raw) < header:
        raise SpecError("--data", f"{path}: IDX header is cut short")
    shape = tuple(int(n) for n in np.frombuffer(raw[4:header], ">u4"))
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise SpecError("--data", f"{path}: IDX header says {shape} ({count} values) but the "
                                  f"file holds {(len(raw) - header) // dtype.itemsize}")
    return np.frombuffer(raw, dtype, count, header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem.replace("-idx", ".idx")):
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    raise SpecError("--data", f"{folder}: no {stem} (or {stem}.gz) in this folder")


def mnist(folder: str | Path) -> Dataset:
    """MNIST (or any data set in the same four IDX files) from ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SpecError("--data", f"expected 'digits' or a folder of MNIST IDX files, "
                                  f"got {str(folder)!r}")
    arrays = {key: read_idx(_find(folder, stem)) for key, stem in MNIST_FILES.items()}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise SpecError("--data", f"{folder}: {part} images {images.shape} and labels "
                                      f"{labels.shape} do not match (want (N, H, W), (N,))")
    scale = 255.0 if arrays["train_images"].dtype == np.uint8 else 1.0

    def images(key):
        return (arrays[key] / scale).astype(np.float32)[:, None]

    split = (f"{len(arrays['train_labels'])} train images (train-*), "
             f"{len(arrays['test_labels'])} test images (t10k-*)")
    return Dataset(f"IDX files in {folder}", split, images("train_images"),
                   arrays["train_labels"].astype(np.int64), images("test_images"),
                   arrays["test_labels"].astype(np.int64))


def load(data: str) -> Dataset:
    """``"digits"`` or a folder of IDX files."""
    return digits() if data == "digits" else mnist(data)


def write_idx(path: str | Path, array: np.ndarray, compress: bool = False) -> Path:
    """Write ``array`` as an IDX file (gzipped when ``compress``): the inverse of
    :func:`read_idx`, for tests and for exporting small data sets."""
    codes = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}
    array = np.asarray(array)
    code = codes[array.dtype.newbyteorder("=")]
    raw = (bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
           + array.astype(IDX_TYPES[code]).tobytes())
    path = Path(path)
    path.write_bytes(gzip.compress(raw, mtime=0) if compress else raw)
    return path
