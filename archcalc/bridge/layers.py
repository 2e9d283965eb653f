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


@_keras.saving.register_keras_serializable(package="archcalc")
class CustomScaleLayer(_keras.layers.Layer):
    """InceptionResNetV2's scaled residual: ``x + scale · r`` for the inputs ``[x, r]``; no weights.

    Args:
        scale: the factor of the residual branch (0.17, 0.1 and 0.2 in the paper's blocks).
    """

    def __init__(self, scale: float = 1.0, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


@_keras.saving.register_keras_serializable(package="archcalc")
class LayerScale(_keras.layers.Layer):
    """ConvNeXt's layer scale: each channel times a learned γ (``projection_dim`` weights).

    Args:
        init_values: the starting value of every γ.
        projection_dim: the channels.
    """

    def __init__(self, init_values: float = 1e-6, projection_dim: int = 1, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.init_values, self.projection_dim = float(init_values), int(projection_dim)

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=_keras.initializers.Constant(self.init_values), trainable=True)

    def call(self, inputs):
        return inputs * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "init_values": self.init_values, "projection_dim": self.projection_dim}


@_keras.saving.register_keras_serializable(package="archcalc")
class StochasticDepth(_keras.layers.Layer):
    """Stochastic depth (drop path): while training, the whole input of an example is zeroed with
    probability ``drop_path_rate`` (and the rest scaled up); the identity at inference. No weights.

    Args:
        drop_path_rate: the probability of dropping.
    """

    def __init__(self, drop_path_rate: float = 0.0, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.drop_path_rate = float(drop_path_rate)

    def call(self, inputs, training=None):
        if not training or not self.drop_path_rate:
            return inputs
        keep = 1.0 - self.drop_path_rate
        shape = (_keras.ops.shape(inputs)[0],) + (1,) * (len(inputs.shape) - 1)
        mask = _keras.ops.floor(keep + _keras.random.uniform(shape))
        return inputs / keep * mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


CUSTOM_OBJECTS.update({"CustomScaleLayer": CustomScaleLayer, "LayerScale": LayerScale,
                       "StochasticDepth": StochasticDepth})
