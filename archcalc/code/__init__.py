"""Reading code: a safe evaluator of the Python people paste, and what a framework's names mean.

* :mod:`archcalc.code.evaluator` evaluates the Python subset (module code, functions, classes,
  loops, conditions, comprehensions) over its own values, with a fixed builtins table and limits.
* :mod:`archcalc.code.keras` is the names table for Keras: layers, tensors, ``Sequential``,
  ``Model`` and its subclasses, each model the code builds becoming one network.
* :mod:`archcalc.code.defines` reads ``--define NAME=VALUE`` and ``--input SHAPE``.

A reader for another framework reuses the evaluator with a names table of its own.
"""

from __future__ import annotations

from .defines import parse_define, parse_input_shape
from .evaluator import MAX_CALL_DEPTH, MAX_INT_BITS, MAX_NESTING, MAX_SEQUENCE, MAX_STEPS, evaluate_expression
from .keras import read as read_keras

__all__ = ["MAX_CALL_DEPTH", "MAX_INT_BITS", "MAX_NESTING", "MAX_SEQUENCE", "MAX_STEPS", "evaluate_expression",
           "parse_define", "parse_input_shape", "read_keras"]
