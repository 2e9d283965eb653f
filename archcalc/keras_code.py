"""The Keras notation: pasted Keras code, read by the safe evaluator of :mod:`archcalc.code`.

This module is the entry the rest of archcalc uses: :func:`looks_like_keras` tells Keras code from
the paper notation, :func:`parse_keras` reads it (nothing is ever executed).

>>> code = "model = Sequential([Conv2D(8, 3, input_shape=(28, 28, 1)), Flatten(), Dense(10)])"
>>> [n.kind for n in parse_keras(code)[0].nodes]
['input', 'conv', 'flatten', 'dense']
"""

from __future__ import annotations

import re
from typing import Any

from .network import Network

_LOOKS_LIKE_KERAS = re.compile(
    r"\b(Sequential|Conv2D|Dense|MaxPool(?:ing)?2D|Flatten|Dropout|InputLayer|Input|"
    r"BatchNormalization|AveragePooling2D|GlobalAveragePooling2D|Model)\(|\.add\s*\(|"
    r"^\s*(?:import|from)\s+(?:tensorflow|keras|tf_keras)\b", re.M)


def looks_like_keras(text: str) -> bool:
    """Whether a text is Keras code rather than the paper notation.

    >>> looks_like_keras("model.add(Dense(10))"), looks_like_keras("conv3-64\\nFC-10")
    (True, False)
    """
    code = re.sub(r"#.*", "", text)  # `Dense(10)` in a comment of a paper spec is not Keras code
    return bool(_LOOKS_LIKE_KERAS.search(code))


def parse_keras(text: str, path: str = "<text>", *, defines: dict[str, Any] | None = None,
                input_shape: tuple[int, ...] | None = None) -> list[Network]:
    """Read the Keras models of a piece of code: one network per model it builds.

    Args:
        text: the code (a cell, a script, a notebook export).
        path: the file name shown in messages.
        defines: ``--define``: values of names the code uses but does not define.
        input_shape: ``--input``: the input shape of every model.

    Raises:
        SpecError: with file, line and column, for everything that cannot be read exactly.
    """
    from .code.keras import read

    return read(text, path, defines=defines, input_shape=input_shape)
