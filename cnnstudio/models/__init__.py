"""The model zoo: Keras 3 implementations of the classic convolutional networks.

Pure Keras (`keras.layers`, `keras.ops`): no TensorFlow calls, so the models also run on the JAX
and PyTorch backends. Importing this package registers every family.
"""

import importlib

from cnnstudio.models.registry import (
    ModelInfo,
    Option,
    create_model,
    format_shape,
    get_model_info,
    list_models,
    parse_input_shape,
)

# Importing a family module registers its models; this order (by year) is the order of
# `list_models()`, of `cnnstudio models` and of the app's model picker.
FAMILY_MODULES = ("lenet", "alexnet", "vgg", "nin", "inception", "resnet", "densenet")
for _module in FAMILY_MODULES:
    importlib.import_module(f"cnnstudio.models.{_module}")

__all__ = [
    "ModelInfo",
    "Option",
    "create_model",
    "format_shape",
    "get_model_info",
    "list_models",
    "parse_input_shape",
]
