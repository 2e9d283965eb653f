"""The Keras bridge: build a real Keras model from a parsed spec, verify archcalc's numbers
against it, export it (``.keras``, ``.py``) and import Keras models into the spec notation.

TensorFlow is imported lazily, only inside the functions that need it (see :mod:`.tf`).
"""
