"""The limits of what archcalc reads, each a named constant with its own message.

archcalc reads whatever a classroom hands it, so every kind of work that grows with the input is
bounded, and each bound is checked *before* the work it guards: a file's size before it is read, a
line's length before it is split, a number's digits before it is converted, a network's expanded
size before it is expanded. A limit that is hit is an :class:`~archcalc.errors.ArchcalcError`
(exit 2) that names the limit, the value that broke it and where; docs/limits.md lists them all.

Every limit is far above what a real network or answer sheet needs (ResNet-152 is 566 layers, a
CS231n table 30 rows): meeting one means a typo or a hostile input, not a big model.

>>> MAX_LAYERS, MAX_REPEAT, MAX_NESTING
(100000, 100000, 100)
"""

from __future__ import annotations

#: Bytes of a spec or answer file. The biggest bundled spec is 10 KB; a comment of 16 MiB is no spec.
MAX_FILE_BYTES = 16 * 2**20
#: Characters of one line of a spec (paper notation) or of an answer sheet.
MAX_LINE_LENGTH = 10_000
#: Digits of one number in a spec: 18 digits is 10^18, beyond any size, count or shape
#: (and far below Python's 4,300-digit limit on converting text to integers).
MAX_NUMBER_DIGITS = 18
#: Characters of one `{...}` field of a block's body or one argument of a block's use (`{4*filters}`):
#: the arithmetic is read by recursing once an operator.
MAX_EXPRESSION_LENGTH = 200
#: Layers of one network once blocks, repeats and merges are expanded: 175 ResNet-152s. The most takes
#: a second or two (`summary` of 100,000 layers: 0.9-2.0 s of CPU and 140-200 MiB, docs/limits.md).
MAX_LAYERS = 100_000
#: The repeat count of one line (`conv3-64 x3`, `bottleneck(64) x3`).
MAX_REPEAT = 100_000
#: Levels of blocks calling blocks and of merges inside merges (Python's own stack would overflow
#: a few hundred levels deep; real networks nest three or four).
MAX_NESTING = 100
#: Rows of an answer sheet (a student's table of a network's layers).
MAX_SHEET_ROWS = 10_000
#: Characters of one value of an answer sheet (`(3*3*64+1)*128`, `224*224*64=3.2M`) or one shape.
MAX_CELL_LENGTH = 400
#: Bits of the largest value an answer sheet's arithmetic reaches (numerator and denominator): about
#: 10^120, far past any count of a network; `(((9**64)**64)**64)**64` would hold 60 million digits.
MAX_VALUE_BITS = 400
#: Levels of lists and mappings nested in a YAML or JSON answer sheet (a sheet needs three).
MAX_SHEET_DEPTH = 20
#: YAML nodes of an answer sheet, counted through aliases (a "billion laughs" sheet of 500 bytes
#: holds billions).
MAX_SHEET_NODES = 50_000
#: Layers one after the other (the longest path from the input) that `verify`, `export` (.keras, .h5) and
#: `train` build as a Keras model:
#: Keras' graph building recurses a few calls a layer; verify raises Python's recursion limit for the
#: build (20 a layer), and a chain of 1,990 layers builds in seconds. EfficientNetV2L is 1,031 deep.
MAX_VERIFY_DEPTH = 2_000
#: Values in one layer's output for one example. The largest bundled network's largest map holds 3.2
#: million; a petavalue tensor is no network but a runaway (upsampling repeated a thousand times), and
#: its sizes would soon be too long for Python to print.
MAX_TENSOR_VALUES = 10**15
#: Files under the folder of `check --spec FOLDER` (a course's exercise specs, which `exercise new
#: --count` writes four a folder): `--spec /` would walk the whole disk.
MAX_FOLDER_FILES = 10_000
#: The largest class number of a label in a `train --dataset FILE.npz` (Keras' losses take int32 classes):
#: a label of 1e300 or 2**64 - 1 would otherwise become a garbage class when converted to an integer.
MAX_LABEL = 2**31 - 1
#: Bytes of a JSON member of a `.keras` archive, once unpacked (`import`): ResNet-152's config.json is under
#: a megabyte, and Keras reads the member whole (a 1.5 MB zip of 1.5 GB of config took 42 s and 5 GB).
MAX_MODEL_CONFIG_BYTES = 64 * 2**20
#: The largest `--batch` (and `batch=` of the API): 2^31 - 1, the int32 that data pipelines count examples
#: in. Memory for more is exabytes for any network; such a batch is a typo, and its 300-digit byte
#: counts would only hide it.
MAX_BATCH = 2**31 - 1

__all__ = [
    "MAX_BATCH",
    "MAX_CELL_LENGTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_FILE_BYTES",
    "MAX_FOLDER_FILES",
    "MAX_LABEL",
    "MAX_LAYERS",
    "MAX_LINE_LENGTH",
    "MAX_MODEL_CONFIG_BYTES",
    "MAX_NESTING",
    "MAX_NUMBER_DIGITS",
    "MAX_REPEAT",
    "MAX_SHEET_DEPTH",
    "MAX_SHEET_NODES",
    "MAX_SHEET_ROWS",
    "MAX_TENSOR_VALUES",
    "MAX_VALUE_BITS",
    "MAX_VERIFY_DEPTH",
]
