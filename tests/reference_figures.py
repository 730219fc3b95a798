"""Reference figures from ../shared/REFERENCE.md, one row per checked model configuration.

`total` is Keras's `count_params()` (BatchNorm moving statistics included), `trainable` the
trainable count (what torchvision reports), `macs` multiply-accumulates of convolution and dense
layers for one image. None where the reference gives no figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reference:
    model: str
    input_shape: tuple[int, int, int]
    num_classes: int
    total: int | None
    trainable: int | None
    macs: float | None
    source: str
    options: dict[str, Any] = field(default_factory=dict)
    # Relative tolerance on parameter counts: 0 means exact.
    params_rtol: float = 0.0

    @property
    def id(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.model}[{extra}]" if extra else self.model


IMAGENET = (224, 224, 3)

REFERENCES = [
    Reference("lenet5", (32, 32, 1), 10, 61_706, 61_706, 0.4165e6, "LeCun et al. 1998"),
    Reference(
        "alexnet",
        (227, 227, 3),
        1000,
        60_965_224,
        60_965_224,
        0.724e9,
        "Krizhevsky et al. 2012, two-GPU grouping",
    ),
    Reference("vgg11", IMAGENET, 1000, 132_863_336, 132_863_336, None, "torchvision vgg11"),
    Reference("vgg13", IMAGENET, 1000, 133_047_848, 133_047_848, None, "torchvision vgg13"),
    Reference(
        "vgg16", IMAGENET, 1000, 138_357_544, 138_357_544, 15.47e9, "keras.applications.VGG16"
    ),
    Reference(
        "vgg19", IMAGENET, 1000, 143_667_240, 143_667_240, 19.63e9, "keras.applications.VGG19"
    ),
    Reference(
        "inception_v1",
        IMAGENET,
        1000,
        6_998_552,
        6_998_552,
        1.58e9,
        "Szegedy et al. 2014, Table 1, no auxiliary heads",
    ),
    Reference(
        "inception_v2",
        IMAGENET,
        1000,
        11_295_240,
        None,
        2.05e9,
        "Ioffe and Szegedy 2015 (about 11.3 M)",
        params_rtol=0.02,
    ),
    Reference(
        "inception_v3",
        (299, 299, 3),
        1000,
        23_851_784,
        23_817_352,
        5.713e9,
        "keras.applications.InceptionV3",
    ),
    Reference("resnet18", IMAGENET, 1000, 11_699_112, 11_689_512, 1.814e9, "torchvision resnet18"),
    Reference("resnet34", IMAGENET, 1000, 21_814_696, 21_797_672, 3.664e9, "torchvision resnet34"),
    Reference(
        "resnet50", IMAGENET, 1000, 25_636_712, 25_583_592, 3.858e9, "keras.applications.ResNet50"
    ),
    Reference(
        "resnet101", IMAGENET, 1000, 44_707_176, 44_601_832, 7.570e9, "keras.applications.ResNet101"
    ),
    Reference(
        "resnet152", IMAGENET, 1000, 60_419_944, 60_268_520, 11.28e9, "keras.applications.ResNet152"
    ),
    Reference(
        "resnext50_32x4d", IMAGENET, 1000, None, 25_028_904, 4.2e9, "torchvision resnext50_32x4d"
    ),
    Reference(
        "densenet121",
        IMAGENET,
        1000,
        8_062_504,
        7_978_856,
        2.834e9,
        "keras.applications.DenseNet121",
    ),
    Reference(
        "densenet169",
        IMAGENET,
        1000,
        14_307_880,
        14_149_480,
        None,
        "keras.applications.DenseNet169",
    ),
    Reference(
        "densenet201", IMAGENET, 1000, 20_242_984, None, None, "keras.applications.DenseNet201"
    ),
]

# MAC figures the reference gives only approximately ("about"): checked within this tolerance.
MACS_RTOL = {"resnext50_32x4d": 0.03, "inception_v1": 0.02, "inception_v2": 0.03}
DEFAULT_MACS_RTOL = 0.01

# Every model the zoo must offer.
EXPECTED_MODELS = [
    "lenet5",
    "alexnet",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "nin",
    "inception_v1",
    "inception_v2",
    "inception_v3",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "densenet121",
    "densenet169",
    "densenet201",
]
