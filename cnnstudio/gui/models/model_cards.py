"""Model cards for students: what each classic network introduced and why it mattered.

Texts are data, kept apart from the widget that shows them. A card is looked up by model name
first (the three Inceptions differ), then by family. `worked_example` holds arithmetic a
student can check by hand, shown in a fixed-width font.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelCard:
    headline: str
    introduced: tuple[str, ...]
    why_it_mattered: str
    worked_example: tuple[str, ...] = ()


_CARDS: dict[str, ModelCard] = {
    "LeNet": ModelCard(
        headline="Learned convolutions and subsampling, trained end to end.",
        introduced=(
            "Convolution with shared weights: each feature map slides one small 5x5 filter "
            "over the whole image, so a feature is detected wherever it appears and a layer "
            "needs few parameters.",
            "Subsampling (average pooling) after each convolution halves the resolution, "
            "which makes the features tolerant to small shifts and distortions of the input.",
            "Alternating convolution and subsampling builds features from strokes to parts "
            "to digits; a few fully-connected layers classify them.",
            "The whole network, from pixels to class, is trained by backpropagation: no "
            "hand-designed feature extractor.",
        ),
        why_it_mattered=(
            "It read a large share of the cheques in the United States in the late 1990s and "
            "set the template every later CNN follows: convolution, non-linearity, pooling, "
            "repeated, then a classifier. It is small enough to train on a laptop in seconds."
        ),
        worked_example=(
            "C1: 6 filters of 5x5 over 1 channel",
            "    6 x (5*5*1 + 1) = 156 parameters",
            "A dense layer from 32x32 pixels to 6x28x28 units would need",
            "    1024 * 4704 + 4704 = 4,821,600 parameters",
        ),
    ),
    "AlexNet": ModelCard(
        headline="Deep CNNs win ImageNet: ReLU, dropout, GPUs and augmentation.",
        introduced=(
            "ReLU, max(0, x), instead of tanh or sigmoid: it does not saturate for positive "
            "inputs, so gradients stay large and the paper's network trained several times "
            "faster.",
            "Dropout (p = 0.5) in the large fully-connected layers: randomly silencing units "
            "during training stops them co-adapting and curbs overfitting of 60 million "
            "parameters.",
            "Training on two GPUs: the layers were split into two groups, one per GPU, which "
            "is why the 'grouped' option exists.",
            "Data augmentation: random crops and horizontal flips of the training images, and "
            "colour (PCA lighting) jitter, multiplying the effective size of the data set.",
            "Also overlapping max pooling (3x3 windows, stride 2) and local response "
            "normalisation (the 'lrn' option).",
        ),
        why_it_mattered=(
            "In 2012 it cut the ImageNet top-5 error from about 26% to 15.3%, far ahead of "
            "every hand-engineered method. That result started the deep-learning era in "
            "computer vision, and GPUs became the standard tool for training."
        ),
    ),
    "VGG": ModelCard(
        headline="Depth from uniform stacks of small 3x3 convolutions.",
        introduced=(
            "Only 3x3 convolutions (stride 1, padding 1) and 2x2 max pooling, stacked 11 to "
            "19 layers deep: a simple, uniform design that is easy to reason about.",
            "Two stacked 3x3 convolutions see a 5x5 region (three see 7x7), with fewer "
            "parameters and an extra non-linearity between them, which makes the function "
            "more expressive.",
            "The number of channels doubles (64, 128, 256, 512) each time pooling halves "
            "the resolution.",
        ),
        why_it_mattered=(
            "It showed that depth, not clever large filters, drives accuracy (second in "
            "ImageNet classification 2014). Its features became the default for transfer "
            "learning and perceptual losses. Its price: 138 million parameters for VGG-16, "
            "most of them in the first dense layer."
        ),
        worked_example=(
            "With C channels in and out (biases ignored):",
            "  one 5x5 conv:   5*5*C*C     = 25 C^2",
            "  two 3x3 convs:  2*(3*3*C*C) = 18 C^2   (28% fewer)",
            "Same 5x5 receptive field, plus one more ReLU.",
            "  one 7x7: 49 C^2   vs   three 3x3: 27 C^2   (45% fewer)",
            "VGG-16's first dense layer: 7*7*512*4096 + 4096 = 102,764,544",
        ),
    ),
    "NiN": ModelCard(
        headline="1x1 convolutions and global average pooling.",
        introduced=(
            "'mlpconv' layers: each convolution is followed by 1x1 convolutions, a small "
            "multilayer perceptron applied at every pixel. A 1x1 convolution mixes channels "
            "and adds a non-linearity without looking at neighbouring pixels.",
            "Global average pooling instead of fully-connected layers: the last layer makes "
            "one feature map per class and averages each map to one score. No dense "
            "parameters to overfit, and each map reads as where the class was seen.",
        ),
        why_it_mattered=(
            "The 1x1 convolution became the everyday tool for changing the number of "
            "channels cheaply (Inception's reductions, ResNet's bottlenecks), and global "
            "average pooling replaced the huge dense heads of AlexNet and VGG in almost every "
            "later network."
        ),
        worked_example=(
            "1x1 conv from 256 to 64 channels: 256*64 + 64 = 16,448 parameters",
            "VGG-style dense head on 7x7x512: 102,764,544 parameters",
            "Global average pooling: 0 parameters",
        ),
    ),
    "inception_v1": ModelCard(
        headline="Parallel branches at several scales, made affordable by 1x1 reductions.",
        introduced=(
            "The Inception module runs 1x1, 3x3 and 5x5 convolutions and a 3x3 max pooling "
            "side by side and concatenates their outputs, so each layer looks at several "
            "scales at once.",
            "1x1 'reduce' convolutions shrink the channels before the costly 3x3 and 5x5 "
            "convolutions (and after the pooling), keeping the network wide but cheap.",
            "Global average pooling at the end and two auxiliary classifiers during training "
            "(the 'aux_logits' option) to help gradients reach the early layers.",
        ),
        why_it_mattered=(
            "GoogLeNet won ImageNet 2014 (6.7% top-5 error) with 22 layers and about 7 "
            "million parameters, a twelfth of AlexNet's: it showed that careful design of "
            "the computation beats brute size."
        ),
        worked_example=(
            "inception_3a, 5x5 branch on 28x28x192 input, 32 output channels:",
            "  direct:       5*5*192*32           = 153,600 weights",
            "  with reduce:  192*16 + 5*5*16*32   =  15,872 weights  (about 10x fewer)",
        ),
    ),
    "inception_v2": ModelCard(
        headline="Batch normalisation (BN-Inception).",
        introduced=(
            "Batch normalisation after every convolution: each channel is normalised to zero "
            "mean and unit variance over the mini-batch, then scaled and shifted by two "
            "learned parameters.",
            "This steadies the distribution each layer sees while the earlier layers change, "
            "so much higher learning rates work and initialisation matters less; it also "
            "regularises a little.",
            "The 5x5 convolutions of the modules are replaced by two stacked 3x3 ones.",
        ),
        why_it_mattered=(
            "It reached GoogLeNet's accuracy in a fraction of the training steps (the paper "
            "reports 14 times fewer). Batch normalisation became a standard layer in nearly "
            "every CNN that followed, ResNet included."
        ),
        worked_example=(
            "Per channel: y = gamma * (x - mean) / sqrt(var + eps) + beta",
            "BatchNorm on 64 channels: 4*64 = 256 parameters",
            "  (gamma, beta trained; moving mean and variance not trained)",
        ),
    ),
    "inception_v3": ModelCard(
        headline="Factorised convolutions.",
        introduced=(
            "Large filters are factorised into smaller ones: a 5x5 becomes two 3x3, and an nxn "
            "becomes a 1xn followed by an nx1, with the same receptive field for less "
            "computation.",
            "Efficient grid reduction: stride-2 convolution and pooling branches run in "
            "parallel and are concatenated, shrinking the grid without a bottleneck.",
            "Label smoothing and a batch-normalised auxiliary classifier as regularisers; "
            "299x299 input.",
        ),
        why_it_mattered=(
            "It gave a large gain in accuracy for a modest cost, and the factorisation ideas "
            "(asymmetric 1xn / nx1 filters, stacking small kernels) were reused widely in "
            "efficient architectures."
        ),
        worked_example=(
            "With C channels in and out:",
            "  7x7:        49 C^2",
            "  1x7 + 7x1:  7 C^2 + 7 C^2 = 14 C^2   (71% fewer)",
            "  3x3 -> 1x3 + 3x1: 9 C^2 -> 6 C^2     (33% fewer)",
        ),
    ),
    "ResNet": ModelCard(
        headline="Residual shortcuts make very deep networks trainable.",
        introduced=(
            "A residual block outputs F(x) + x: an identity shortcut adds the block's input to "
            "its output, so the layers only learn a correction. A block can do nothing at "
            "all by driving F to zero.",
            "This fixed the 'degradation problem': deeper plain networks had higher training "
            "error than shallower ones. Gradients flow straight back through the shortcuts.",
            "Bottleneck blocks (ResNet-50 and deeper): 1x1 to reduce channels, 3x3 at the "
            "reduced width, 1x1 to expand again.",
            "A 1x1 stride-2 projection on the shortcut where the shape changes; batch "
            "normalisation after every convolution.",
        ),
        why_it_mattered=(
            "A 152-layer ResNet won ImageNet 2015 (3.6% top-5 error, an ensemble) and the "
            "shortcut became part of almost every deep architecture since, far beyond "
            "vision, transformers included."
        ),
        worked_example=(
            "On 256 channels (biases ignored):",
            "  two 3x3 convs at 256:  2*3*3*256*256             = 1,179,648",
            "  bottleneck 256-64-256: 256*64 + 3*3*64*64 + 64*256 = 69,632",
        ),
    ),
    "ResNeXt": ModelCard(
        headline="Cardinality: split the bottleneck into many parallel groups.",
        introduced=(
            "The 3x3 convolution of a ResNet bottleneck is split into many parallel paths "
            "(the cardinality, 32 here), each of small width (4 channels per group in the "
            "first stage); their outputs are aggregated.",
            "These parallel paths are exactly a grouped convolution: each group sees only its "
            "own slice of the channels.",
            "Cardinality is a new dimension next to depth and width: at equal parameters and "
            "MACs, more groups gave better accuracy than going deeper or wider.",
        ),
        why_it_mattered=(
            "ResNeXt-50 has about the same size and cost as ResNet-50 and is more accurate; "
            "grouped and depthwise convolutions became central to efficient networks "
            "(MobileNet, ShuffleNet, RegNet)."
        ),
        worked_example=(
            "3x3 conv, 128 channels in and out, biases ignored:",
            "  dense:       3*3*128*128      = 147,456 weights",
            "  32 groups:   3*3*128*128 / 32 =   4,608 weights",
        ),
    ),
    "DenseNet": ModelCard(
        headline="Every layer sees the concatenation of all earlier ones.",
        introduced=(
            "Inside a dense block each layer receives the concatenated feature maps of all "
            "preceding layers and adds only k new ones (the growth rate, 32 here).",
            "Layers are BN-ReLU-1x1 conv (4k channels) then BN-ReLU-3x3 conv (k channels); "
            "transition layers between blocks halve the channels (1x1 conv) and the grid "
            "(2x2 average pooling).",
            "Concatenation instead of ResNet's addition: features are reused rather than "
            "re-learned, and every layer has a short path to the loss.",
        ),
        why_it_mattered=(
            "DenseNet-121 matches ResNet-50's ImageNet accuracy with about 8 million "
            "parameters instead of 25.6 million. The price is memory: the concatenated "
            "inputs grow with every layer."
        ),
        worked_example=(
            "Input channels of layer l in a block: k0 + k*(l-1)",
            "DenseNet-121 block 1: k0 = 64, k = 32, 6 layers",
            "  out: 64 + 6*32 = 256 channels; transition -> 128",
        ),
    ),
}


def card_for(name: str, family: str) -> ModelCard | None:
    """The card for a model: its own, else its family's; None for an unknown family."""
    return _CARDS.get(name) or _CARDS.get(family)
