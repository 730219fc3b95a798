"""The models' descriptions and their options' help, marked for the catalog.

The descriptions live with their family (cnnstudio/models/<family>.py, `description=`), whose
files are hashed into the shipped statistics and stay as they are; these copies only give the
catalog their message ids, so that the model picker shows them translated (`_(meta.description)`).
tests/gui/models/test_model_descriptions.py fails when a description changes without its copy
here: the picker would show that one in English.
"""

from __future__ import annotations

from cnnstudio.i18n import N_

DESCRIPTIONS = {
    "lenet5": N_(
        "LeNet-5 is the convolutional network that read handwritten digits and bank cheques in "
        "the 1990s. It established the recipe still used today: convolutions with shared "
        "weights find local features, subsampling makes them tolerant to small shifts, and a "
        "few fully-connected layers classify them, all trained end to end by backpropagation."
    ),
    "alexnet": N_(
        "AlexNet won the 2012 ImageNet challenge by a wide margin and started the deep learning"
        " era in computer vision. It scaled LeNet's idea up to 60 million parameters and made "
        "it trainable with ReLU activations, dropout, data augmentation and two GPUs, showing "
        "that learned features beat hand-crafted ones given enough data and compute."
    ),
    "vgg11": N_(
        "VGG showed that depth itself makes a network better, using nothing but small 3 x 3 "
        "convolutions: two of them see as far as one 5 x 5 with fewer weights and one more "
        "non-linearity. Its plain, uniform design made it a favourite backbone for transfer "
        "learning and style transfer, at the price of about 140 million parameters. VGG-11 is "
        "the paper's configuration A."
    ),
    "vgg13": N_(
        "VGG showed that depth itself makes a network better, using nothing but small 3 x 3 "
        "convolutions: two of them see as far as one 5 x 5 with fewer weights and one more "
        "non-linearity. Its plain, uniform design made it a favourite backbone for transfer "
        "learning and style transfer, at the price of about 140 million parameters. VGG-13 is "
        "the paper's configuration B."
    ),
    "vgg16": N_(
        "VGG showed that depth itself makes a network better, using nothing but small 3 x 3 "
        "convolutions: two of them see as far as one 5 x 5 with fewer weights and one more "
        "non-linearity. Its plain, uniform design made it a favourite backbone for transfer "
        "learning and style transfer, at the price of about 140 million parameters. VGG-16 is "
        "the paper's configuration D."
    ),
    "vgg19": N_(
        "VGG showed that depth itself makes a network better, using nothing but small 3 x 3 "
        "convolutions: two of them see as far as one 5 x 5 with fewer weights and one more "
        "non-linearity. Its plain, uniform design made it a favourite backbone for transfer "
        "learning and style transfer, at the price of about 140 million parameters. VGG-19 is "
        "the paper's configuration E."
    ),
    "nin": N_(
        "Network In Network replaced each plain convolution by a tiny multilayer perceptron "
        "slid over the image, which in practice means 1 x 1 convolutions after each ordinary "
        "one. It also dropped the huge fully-connected classifier: the last layer makes one map"
        " per class and global average pooling reads the scores off them. Both ideas run "
        "through GoogLeNet, ResNet and almost every network since."
    ),
    "inception_v1": N_(
        "GoogLeNet won ImageNet 2014 with a network of Inception modules: each runs 1x1, 3x3 "
        "and 5x5 convolutions and a pooling in parallel and concatenates the results, and cheap"
        " 1x1 convolutions first shrink the channels so the big filters stay affordable. "
        "Twenty-two layers deep, it needs about 7 million parameters where AlexNet needed 60 "
        "million."
    ),
    "inception_v2": N_(
        "The network that introduced Batch Normalization: every convolution's output is "
        "normalised over the batch, which let it train many times faster with higher learning "
        "rates and no dropout. Its Inception modules also replace each 5x5 convolution with two"
        " 3x3 ones, which see as far for fewer weights."
    ),
    "inception_v3": N_(
        "Inception v3 factorises convolutions: a 7x7 filter becomes a 1x7 followed by a 7x1, "
        "and grids shrink inside modules that pool and convolve with stride 2 side by side. "
        "With BatchNorm everywhere it reaches far better accuracy than GoogLeNet for about 5.7 "
        "billion multiply-adds at 299x299."
    ),
    "resnet18": N_(
        "Each residual block adds its input back to its output through a shortcut, so the block"
        " only learns a correction and gradients flow straight to early layers; this is what "
        "made networks of a hundred layers and more trainable. ResNet-18 stacks eight basic "
        "blocks of two 3x3 convolutions in four stages that halve the resolution and double the"
        " width: the smallest ResNet and a good first choice for small images."
    ),
    "resnet34": N_(
        "Each residual block adds its input back to its output through a shortcut, so the block"
        " only learns a correction and gradients flow straight to early layers; this is what "
        "made networks of a hundred layers and more trainable. ResNet-34 has sixteen basic "
        "blocks of two 3x3 convolutions. It is the paper's key experiment: without shortcuts 34"
        " layers train worse than 18, with them the deeper network wins."
    ),
    "resnet50": N_(
        "Each residual block adds its input back to its output through a shortcut, so the block"
        " only learns a correction and gradients flow straight to early layers; this is what "
        "made networks of a hundred layers and more trainable. A bottleneck block squeezes the "
        "channels with a 1x1 convolution, works at the low width with a 3x3, then expands again"
        " with a 1x1, which keeps very deep networks affordable. ResNet-50 has sixteen "
        "bottleneck blocks and is the most widely used ResNet."
    ),
    "resnet101": N_(
        "Each residual block adds its input back to its output through a shortcut, so the block"
        " only learns a correction and gradients flow straight to early layers; this is what "
        "made networks of a hundred layers and more trainable. A bottleneck block squeezes the "
        "channels with a 1x1 convolution, works at the low width with a 3x3, then expands again"
        " with a 1x1, which keeps very deep networks affordable. ResNet-101 puts 23 of its 33 "
        "bottleneck blocks in the 14 x 14 stage."
    ),
    "resnet152": N_(
        "Each residual block adds its input back to its output through a shortcut, so the block"
        " only learns a correction and gradients flow straight to early layers; this is what "
        "made networks of a hundred layers and more trainable. A bottleneck block squeezes the "
        "channels with a 1x1 convolution, works at the low width with a 3x3, then expands again"
        " with a 1x1, which keeps very deep networks affordable. ResNet-152, with 50 bottleneck"
        " blocks, was the deepest network of the paper's ImageNet entry that won ILSVRC 2015."
    ),
    "resnext50_32x4d": N_(
        "ResNeXt keeps ResNet-50's shortcuts and bottlenecks but splits each 3x3 convolution "
        "into many parallel paths, a grouped convolution. The number of groups is the "
        "cardinality: 32 groups of 4 channels here. For the same parameters and computation, "
        "more and thinner paths reach a better accuracy than a wider or deeper ResNet."
    ),
    "densenet121": N_(
        "Inside a dense block every layer sees the concatenated feature maps of all the layers "
        "before it and adds only a few new channels, the growth rate (32 here), so features are"
        " reused instead of relearned. Transition layers between the blocks halve the channels "
        "with a 1x1 convolution and the resolution with average pooling. DenseNet-121 (blocks "
        "of 6, 12, 24 and 16 layers) comes close to ResNet-50 in accuracy with under a third of"
        " its parameters."
    ),
    "densenet169": N_(
        "Inside a dense block every layer sees the concatenated feature maps of all the layers "
        "before it and adds only a few new channels, the growth rate (32 here), so features are"
        " reused instead of relearned. Transition layers between the blocks halve the channels "
        "with a 1x1 convolution and the resolution with average pooling. DenseNet-169 lengthens"
        " the last two blocks to 32 layers each."
    ),
    "densenet201": N_(
        "Inside a dense block every layer sees the concatenated feature maps of all the layers "
        "before it and adds only a few new channels, the growth rate (32 here), so features are"
        " reused instead of relearned. Transition layers between the blocks halve the channels "
        "with a 1x1 convolution and the resolution with average pooling. DenseNet-201 has 48 "
        "layers in its third block."
    ),
}

# The options' help, by option name (models/registry.py and the families' own options).
OPTION_HELP = {
    "activation": N_("Non-linearity after each convolution and hidden dense layer."),
    "pooling": N_("Spatial pooling: max (modern) or average (LeNet-5's subsampling)."),
    "normalization": N_(
        "Normalisation after each convolution: BatchNorm, LayerNorm, InstanceNorm, GroupNorm or"
        " none."
    ),
    "dropout": N_("Dropout rate before the classifier (0 disables it)."),
    "stem": N_(
        "Input stem: 'imagenet' (the paper's), 'small' (for 28-64 px images, as the CIFAR "
        "variants of the papers do) or 'auto' (chosen from the input size)."
    ),
    "grouped": N_(
        "Split conv2, conv4 and conv5 into two groups that see half of the previous maps each, "
        "as the paper's network split over two GPUs (it halves their weights)."
    ),
    "lrn": N_(
        "Local response normalisation after conv1 and conv2 (paper: k=2, n=5, alpha=1e-4, "
        "beta=0.75)."
    ),
    "aux_logits": N_(
        "Add the auxiliary classifiers of the paper as extra training outputs (the main "
        "prediction stays the first output)."
    ),
    "cardinality": N_("ResNeXt: number of groups in each 3x3 convolution (the 32 of 32x4d)."),
    "width": N_("ResNeXt: channels per group in conv2's 3x3 convolutions (the 4d of 32x4d)."),
}
