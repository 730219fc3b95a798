"""The model zoo: Keras 3 implementations of the classic convolutional networks.

Pure Keras (`keras.layers`, `keras.ops`): no TensorFlow calls, so the models also run on the JAX
and PyTorch backends. Importing this package registers every family.
"""

from cnnstudio.models import (  # noqa: F401  (importing a family registers its models)
    lenet,
    alexnet,
    vgg,
    nin,
    inception,
    resnet,
    densenet,
)
from cnnstudio.models.registry import (
    ModelInfo,
    Option,
    create_model,
    format_shape,
    get_model_info,
    list_models,
    parse_input_shape,
)

__all__ = [
    "ModelInfo",
    "Option",
    "create_model",
    "format_shape",
    "get_model_info",
    "list_models",
    "parse_input_shape",
]
