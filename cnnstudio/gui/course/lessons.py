"""The course, as data: twelve lessons in the order the networks appeared, each with what it
teaches, the zoo model that shows it, its concept demonstrations and its glossary terms.

No Qt here (the Lessons view shows it; tests check it against the zoo registry and the glossary
without a window). Titles and summaries are marked with N_ and translated where shown; the
d2l-zh chapter names are the book's own (动手学深度学习), shown as they are in every language.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnstudio.i18n import N_

# The concept demonstrations a lesson can ask for (StudioContext.conceptRequested), with the
# glossary term that names each one (its d2l-zh name becomes the button's tooltip).
CONCEPTS: dict[str, tuple[str, str]] = {
    "convolution": (N_("Convolution"), "convolution"),
    "pooling": (N_("Pooling"), "pooling"),
    "normalization": (N_("Normalization"), "normalization"),
    "dropout": (N_("Dropout"), "dropout"),
    "one_by_one": (N_("1x1 convolution"), "one_by_one"),
    "residual": (N_("Residual connection"), "residual_connection"),
    "activations": (N_("Activation function"), "activation"),
    "receptive_field": (N_("Receptive field"), "receptive_field"),
}


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str  # N_
    summary: str  # N_: a few sentences
    model: str  # a registered zoo model
    concepts: tuple[str, ...]  # keys of CONCEPTS
    terms: tuple[str, ...]  # keys of the glossary
    d2l: str = ""  # the d2l-zh chapter where the book names it differently


# fmt: off
LESSONS: tuple[Lesson, ...] = (
    Lesson("lenet", N_("LeNet"), N_(
        "The first convolutional network that worked in practice: two convolution and pooling "
        "stages, then fully connected layers, reading handwritten digits. Learn what a "
        "convolution, a feature map and pooling do, and train it on MNIST in a minute."),
        "lenet5", ("convolution", "pooling", "activations"),
        ("convolution", "kernel", "feature_map", "pooling", "stride", "padding",
         "fully_connected"), "卷积神经网络（LeNet）"),
    Lesson("alexnet", N_("AlexNet"), N_(
        "LeNet made deeper and wider, trained on ImageNet with GPUs. It brought ReLU, "
        "Dropout, data augmentation and local response normalization, and started the deep "
        "learning years of computer vision."),
        "alexnet", ("activations", "dropout"),
        ("relu", "max_pooling", "dropout", "data_augmentation", "lrn"),
        "深度卷积神经网络（AlexNet）"),
    Lesson("vgg", N_("VGG"), N_(
        "Networks built from one repeated block: 3x3 convolutions followed by max pooling. "
        "Two 3x3 convolutions see as much as one 5x5 with fewer parameters; VGG shows how far "
        "depth alone goes."),
        "vgg16", ("convolution", "receptive_field"),
        ("block", "depth", "receptive_field", "parameter"), "使用块的网络（VGG）"),
    Lesson("nin", N_("NiN"), N_(
        "Network in Network puts a small perceptron at every position with 1x1 convolutions, "
        "and replaces the large fully connected layers by global average pooling."),
        "nin", ("one_by_one", "pooling"),
        ("mlpconv", "one_by_one", "global_average_pooling"), "网络中的网络（NiN）"),
    Lesson("inception_v1", N_("Inception v1 (GoogLeNet)"), N_(
        "Inception modules run 1x1, 3x3 and 5x5 convolutions and pooling side by side and "
        "concatenate them; 1x1 reduce convolutions keep the cost down. Auxiliary classifiers "
        "help the 22 layers train."),
        "inception_v1", ("one_by_one", "receptive_field"),
        ("inception_module", "concatenation", "reduce_convolution", "auxiliary_classifier"),
        "含并行连结的网络（GoogLeNet）"),
    Lesson("inception_v2", N_("Inception v2 (BatchNorm)"), N_(
        "GoogLeNet with batch normalization after every convolution. Each layer's inputs keep "
        "a steady scale, so training is much faster and needs less Dropout."),
        "inception_v2", ("normalization",),
        ("batch_norm", "mini_batch", "learning_rate"), "批量规范化"),
    Lesson("inception_v3", N_("Inception v3"), N_(
        "Factorised convolutions (a 5x5 as two 3x3, an nxn as 1xn and nx1), wider grid "
        "reductions and label smoothing: the same ideas, applied with care to cost."),
        "inception_v3", ("convolution", "receptive_field"),
        ("factorised_convolution", "label_smoothing", "auxiliary_classifier")),
    Lesson("normalization", N_("Normalization"), N_(
        "Why the scale of activations matters, and the ways to keep it steady: batch "
        "normalization, local response normalization, standardised inputs. Compare a VGG "
        "with and without it."),
        "vgg11", ("normalization",),
        ("normalization", "batch_norm", "lrn", "mini_batch"), "批量规范化"),
    Lesson("dropout", N_("Dropout"), N_(
        "Switching off random units during training keeps a network from relying on any one "
        "of them. See it in AlexNet's classifier, and watch it narrow the gap between training "
        "and validation accuracy."),
        "alexnet", ("dropout",),
        ("dropout", "overfitting", "regularisation", "validation_set"), "暂退法（Dropout）"),
    Lesson("resnet", N_("ResNet"), N_(
        "Residual connections add each block's input to its output, so networks of 18 to 152 "
        "layers train. ResNet-18 stacks basic blocks; ResNet-50 and deeper use bottleneck "
        "blocks."),
        "resnet18", ("residual", "normalization"),
        ("residual_connection", "shortcut", "residual_block", "bottleneck", "stage"),
        "残差网络（ResNet）"),
    Lesson("resnext", N_("ResNeXt"), N_(
        "A ResNet whose bottleneck splits into many parallel paths through grouped "
        "convolutions. More paths (cardinality) help more than more depth or width."),
        "resnext50_32x4d", ("residual", "convolution"),
        ("grouped_convolution", "cardinality", "bottleneck")),
    Lesson("densenet", N_("DenseNet"), N_(
        "Every layer of a dense block receives the feature maps of all the layers before it, "
        "concatenated; transition layers shrink them between blocks. Features are reused, "
        "so the network stays narrow."),
        "densenet121", ("one_by_one", "pooling"),
        ("dense_block", "growth_rate", "transition_layer", "concatenation"),
        "稠密连接网络（DenseNet）"),
)
# fmt: on
