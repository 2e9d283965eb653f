"""Custom Keras layers for the layer kinds Keras has no class for.

Importing this module imports TensorFlow: only :mod:`archcalc.bridge` does, lazily. The classes
are registered as Keras-serialisable under the package name ``archcalc``, so a ``.keras`` file
written by ``archcalc export`` loads with ``keras.models.load_model`` once this module is imported
(``import archcalc.bridge.layers``), and the importer maps them back to their kinds.
"""

from __future__ import annotations

from .tf import keras, tensorflow

_keras = keras()
_tf = tensorflow()


@_keras.saving.register_keras_serializable(package="archcalc")
class LocalResponseNormalization(_keras.layers.Layer):
    """Local response normalisation across channels (AlexNet, VGG's A-LRN), around
    ``tf.nn.local_response_normalization``.

    ``b = a / (bias + alpha · Σ a²)^beta`` over ``size`` neighbouring channels. The defaults are
    AlexNet's (size 5, k = 2, α = 1e-4, β = 0.75); TensorFlow sums over ``2·depth_radius + 1``
    channels, so ``depth_radius = size // 2``. No weights: the layer has no parameters.

    Args:
        size: number of channels summed over (odd: TensorFlow's window is symmetric).
        bias: ``k`` of the formula.
        alpha: ``α``, applied to the sum as TensorFlow does (Caffe divides it by ``size`` first).
        beta: ``β``.
    """

    def __init__(self, size: int = 5, bias: float = 2.0, alpha: float = 1e-4, beta: float = 0.75,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.size, self.bias, self.alpha, self.beta = int(size), float(bias), float(alpha), float(beta)

    def call(self, inputs):
        return _tf.nn.local_response_normalization(inputs, depth_radius=self.size // 2, bias=self.bias,
                                                   alpha=self.alpha, beta=self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "bias": self.bias, "alpha": self.alpha,
                "beta": self.beta}


#: Custom classes by Keras class name, for the importer and ``load_model``.
CUSTOM_OBJECTS = {"LocalResponseNormalization": LocalResponseNormalization}
