"""The glossary's entries, as data: every technical term the interface uses, with its Simplified
Chinese name from docs/terminology.zh-CN.md and the name d2l-zh (动手学深度学习) gives it where
that differs, so a person reading the book alongside the app can match the two.

The English name and the definition go through the catalog (N_ here, `_()` where shown); the
Chinese and d2l-zh names are facts about the term, shown as they are in every language, so an
English-speaking reader of a Chinese course (and the search box) finds them too. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnstudio.i18n import N_


@dataclass(frozen=True)
class Term:
    key: str
    english: str  # N_: the name in the interface's language comes from the catalog
    chinese: str
    other: str  # d2l-zh's (or a common course's) name where it differs; "" where it does not
    definition: str  # N_: two sentences


# fmt: off
TERMS: tuple[Term, ...] = (
    # -- the structure of a convolutional network ---------------------------------------------
    Term("convolution", N_("Convolution"), "卷积", "", N_(
        "A small window of weights slides over the image and, at each position, sums the "
        "products of weights and pixels. The same weights are used everywhere, so a pattern is "
        "found wherever it appears.")),
    Term("kernel", N_("Kernel"), "卷积核", "核", N_(
        "The weights of one convolution: a small tensor such as 5x5 for each input channel. "
        "Training learns its values.")),
    Term("filter", N_("Filter"), "滤波器", "卷积核、过滤器", N_(
        "The set of weights that produces one feature map, one kernel for each input channel. "
        "A layer with 64 filters gives 64 output channels.")),
    Term("stride", N_("Stride"), "步幅", "步长", N_(
        "How far the window moves between two positions. A stride of 2 halves the height and "
        "width of the output.")),
    Term("padding", N_("Padding"), "填充", "", N_(
        "Zeros added around the input before a convolution. With 'same' padding the output "
        "keeps the height and width of the input.")),
    Term("channel", N_("Channel"), "通道", "", N_(
        "One of the stacked planes of an image or a feature map: red, green and blue for a "
        "colour photo. A convolution mixes all input channels into each output channel.")),
    Term("feature_map", N_("Feature map"), "特征图", "", N_(
        "The output of one filter over the whole input: a grid that says where its pattern was "
        "found. Early layers find edges, deeper ones parts of objects.")),
    Term("receptive_field", N_("Receptive field"), "感受野", "", N_(
        "The part of the input image that can influence one unit of a feature map. It grows "
        "with every convolution and pooling layer.")),
    Term("pooling", N_("Pooling"), "池化", "汇聚（d2l-zh）", N_(
        "Summarises each small window of a feature map by one number, its maximum or its "
        "average. It shrinks the map and makes the network tolerant of small shifts.")),
    Term("max_pooling", N_("Max pooling"), "最大池化", "最大汇聚（d2l-zh）", N_(
        "Keeps the largest value of each window. It reports whether a pattern was found "
        "nearby, not exactly where.")),
    Term("global_average_pooling", N_("Global average pooling"), "全局平均池化",
         "全局平均汇聚（d2l-zh）", N_(
        "Averages each whole feature map to one number. NiN and GoogLeNet use it in place of "
        "large fully connected layers.")),
    Term("fully_connected", N_("Fully connected layer"), "全连接层", "稠密层（Keras 中的 Dense）",
         N_("Every output is a weighted sum of every input. Classic networks end with one or "
            "more of them to turn features into class scores.")),
    Term("activation", N_("Activation function"), "激活函数", "", N_(
        "A non-linear function applied to each output of a layer, such as ReLU or tanh. "
        "Without it, a stack of layers would be no more than one linear map.")),
    Term("relu", N_("ReLU"), "ReLU", "修正线性单元", N_(
        "max(0, x): keeps positive values and sets negative ones to zero. AlexNet showed that "
        "deep networks train much faster with it than with tanh or sigmoid.")),
    Term("normalization", N_("Normalization"), "归一化", "规范化（d2l-zh）", N_(
        "Rescales activations to a standard range, so that every layer sees inputs of a "
        "similar size. Batch normalization and local response normalization are two kinds.")),
    Term("batch_norm", N_("Batch normalization"), "批归一化", "批量规范化（d2l-zh）、批标准化", N_(
        "Normalises each channel over the current mini-batch to zero mean and unit variance, "
        "then scales and shifts it by learned values. Deep networks train faster with it, and "
        "with larger learning rates.")),
    Term("lrn", N_("Local response normalization (LRN)"), "局部响应归一化（LRN）", "局部响应规范化",
         N_("Divides each activation by the activity of neighbouring channels at the same "
            "position. AlexNet used it; batch normalization later replaced it.")),
    Term("dropout", N_("Dropout"), "Dropout", "暂退法（d2l-zh）、随机失活", N_(
        "During training, sets a random fraction of a layer's outputs to zero at each step. "
        "The network cannot rely on any single unit, which reduces overfitting.")),
    Term("block", N_("Block"), "块", "", N_(
        "A small group of layers repeated as a unit, such as VGG's convolutions followed by "
        "pooling. Networks are designed by stacking blocks.")),
    Term("stage", N_("Stage"), "阶段", "", N_(
        "A group of blocks that work at one spatial resolution. Between stages the feature "
        "maps shrink and the channels grow.")),
    Term("stem", N_("Stem"), "起始层", "主干（stem）", N_(
        "The first layers of a network, which quickly reduce a large input image. The rest of "
        "the network works on their smaller output.")),
    Term("depth", N_("Depth"), "深度", "", N_(
        "The number of layers with weights in a network. VGG showed that more depth, built "
        "from small convolutions, improves accuracy.")),
    Term("one_by_one", N_("1x1 convolution"), "1x1 卷积", "", N_(
        "A convolution whose window is a single pixel: it mixes the channels at each position. "
        "It adds depth cheaply, or reduces the channels before a larger convolution.")),
    Term("mlpconv", N_("mlpconv layer"), "mlpconv 层", "多层感知机卷积层", N_(
        "A convolution followed by 1x1 convolutions, like a small multilayer perceptron "
        "sliding over the image. It is the building block of NiN.")),
    Term("inception_module", N_("Inception module"), "Inception 模块", "Inception 块（d2l-zh）", N_(
        "Parallel branches of 1x1, 3x3 and 5x5 convolutions and of pooling, concatenated "
        "along the channels. The network looks at several scales at once.")),
    Term("concatenation", N_("Concatenation"), "拼接", "连结（d2l-zh）", N_(
        "Stacks feature maps of the same height and width along the channel axis. Inception "
        "modules and DenseNet join their branches this way.")),
    Term("reduce_convolution", N_("1x1 reduce convolution"), "1x1 降维卷积", "", N_(
        "A 1x1 convolution that cuts the number of channels before an expensive 3x3 or 5x5 "
        "convolution. It keeps Inception modules affordable.")),
    Term("auxiliary_classifier", N_("Auxiliary classifier"), "辅助分类器", "", N_(
        "A small classifier attached to a middle layer during training, whose loss is added to "
        "the main one. It gives early layers a stronger gradient and is dropped for prediction.")),
    Term("factorised_convolution", N_("Factorised convolution"), "分解卷积", "", N_(
        "Replaces a large convolution by smaller ones: a 5x5 by two 3x3, or a 3x3 by a 1x3 and "
        "a 3x1. It sees the same area with fewer parameters.")),
    Term("residual_connection", N_("Residual connection"), "残差连接", "", N_(
        "Adds a block's input to its output, so that the block learns only a correction. "
        "Gradients flow through the addition, which makes networks of over a hundred layers "
        "trainable.")),
    Term("shortcut", N_("Shortcut connection"), "捷径连接", "快捷连接、跳跃连接", N_(
        "The path that carries a block's input around its layers to the addition. It is the "
        "identity, or a 1x1 projection where the shape changes.")),
    Term("residual_block", N_("Residual block"), "残差块", "", N_(
        "Two or three convolutions with a shortcut around them. ResNet is a stack of such "
        "blocks.")),
    Term("bottleneck", N_("Bottleneck block"), "瓶颈块", "", N_(
        "A residual block that narrows the channels with a 1x1 convolution, applies a 3x3 "
        "convolution and widens them again with another 1x1. It keeps deep networks such as "
        "ResNet-50 affordable.")),
    Term("grouped_convolution", N_("Grouped convolution"), "分组卷积", "", N_(
        "Splits the channels into groups and convolves each group on its own. It cuts "
        "parameters and computation; ResNeXt builds on it.")),
    Term("cardinality", N_("Cardinality"), "基数", "", N_(
        "The number of parallel paths (groups) in a ResNeXt block. Its paper found more paths "
        "more useful than more depth or width.")),
    Term("dense_block", N_("Dense block"), "稠密块", "", N_(
        "A block in which every layer receives the feature maps of all the layers before it. "
        "DenseNet reuses features this way.")),
    Term("growth_rate", N_("Growth rate"), "增长率", "", N_(
        "The number of channels that each layer of a dense block adds. A small growth rate "
        "such as 32 keeps DenseNet narrow.")),
    Term("transition_layer", N_("Transition layer"), "过渡层", "", N_(
        "A 1x1 convolution and a pooling layer between two dense blocks. It halves the "
        "channels and the resolution.")),
    Term("layer_graph", N_("Layer graph"), "层结构图", "计算图", N_(
        "A drawing of the network's layers and the tensors between them, with their shapes. "
        "The Graph view shows it.")),
    Term("cnn", N_("Convolutional neural network (CNN)"), "卷积神经网络（CNN）", "", N_(
        "A network whose first layers are convolutions, so that it learns patterns that hold "
        "anywhere in an image. LeNet-5 was the first to work in practice.")),
    Term("average_pooling", N_("Average pooling"), "平均池化", "平均汇聚（d2l-zh）", N_(
        "Keeps the mean of each window. LeNet-5 used it; later networks mostly pool by the "
        "maximum inside and by the global average at the end.")),
    Term("downsampling", N_("Downsampling"), "下采样", "降采样", N_(
        "Makes feature maps smaller, by a stride of 2 or by pooling. After each step down, the "
        "next layers see a larger part of the image for the same cost.")),
    Term("unit", N_("Unit"), "单元", "神经元", N_(
        "One position of a feature map, or one output of a fully connected layer. Its value "
        "says how strongly its pattern is present there.")),
    Term("classifier", N_("Classifier"), "分类器", "", N_(
        "The last layers of a network, which turn features into one score per class. A softmax "
        "makes the scores probabilities.")),
    Term("projection", N_("Projection"), "投影", "", N_(
        "A 1x1 convolution on a shortcut, where a block changes the number of channels or the "
        "resolution. It gives the shortcut the shape of the block's output.")),
    Term("width", N_("Width"), "宽度", "", N_(
        "The number of channels of a layer, or of the layers of a network. Wider networks learn "
        "more patterns at each position, at a higher cost.")),
    Term("depthwise_convolution", N_("Depthwise convolution"), "逐深度卷积", "深度卷积", N_(
        "A grouped convolution with one group per channel: each channel is filtered on its own. "
        "Followed by a 1x1 convolution, it is a cheap stand-in for a full convolution.")),
    Term("dense_layer", N_("Dense layer (DenseNet)"), "稠密层", "", N_(
        "One layer of a dense block: batch normalization, ReLU, a 1x1 and then a 3x3 "
        "convolution. Its few new channels are concatenated to everything before it.")),
    Term("node", N_("Node"), "节点", "", N_(
        "One layer, or one collapsed block, in the layer graph. Selecting it shows its shapes, "
        "parameters and FLOPs.")),
    Term("model_zoo", N_("Model zoo"), "模型库", "", N_(
        "The networks CNN Studio can build, each with its variants and options. Each is written "
        "from its paper and checked against the parameter count published there.")),
    Term("canonical_input", N_("Canonical input"), "标准输入尺寸", "", N_(
        "The input size of a model's paper, such as 224x224x3 for ResNet. The app can build "
        "most models for smaller images too.")),
    Term("model_card", N_("Model card"), "模型卡片", "", N_(
        "A short page about a model: its paper, its idea, its size and what to notice. The "
        "Models view shows one for each family.")),
    # -- parameters and computation -----------------------------------------------------------
    Term("parameter", N_("Parameter"), "参数", "", N_(
        "A number the network learns: a weight or a bias. The parameter count tells how much "
        "memory the model needs.")),
    Term("flops", N_("FLOPs"), "FLOPs", "浮点运算次数", N_(
        "The floating-point operations one image needs, twice the multiply-accumulates (MACs). "
        "They tell how much computation a prediction costs.")),
    Term("weight", N_("Weight"), "权重", "", N_(
        "A parameter that multiplies an input: the values of kernels and of fully connected "
        "layers. Training adjusts the weights to lower the loss.")),
    Term("bias", N_("Bias"), "偏置", "", N_(
        "A parameter added to a weighted sum, one for each output channel. It shifts the point "
        "where a unit becomes active.")),
    Term("macs", N_("MACs"), "MACs", "乘加运算（次数）", N_(
        "Multiply-accumulate operations: one multiplication and one addition. A 3x3 convolution "
        "from 64 to 64 channels costs 3*3*64*64 of them at each position.")),
    Term("pareto_front", N_("Pareto front"), "帕累托前沿", "帕累托前沿面", N_(
        "The models that no other model beats on accuracy and on cost at once. For any model "
        "off the front, the front holds a better choice.")),
    # -- training -------------------------------------------------------------------------------
    Term("epoch", N_("Epoch"), "轮次", "epoch、迭代周期（d2l-zh）", N_(
        "One pass of training over every image of the training set. Training usually takes "
        "several epochs, often many.")),
    Term("mini_batch", N_("Mini-batch"), "小批量", "", N_(
        "The few images whose gradients are averaged for one training step. A larger batch "
        "gives steadier steps and needs more memory.")),
    Term("learning_rate", N_("Learning rate"), "学习率", "", N_(
        "How large a step the optimizer takes along the gradient. Too large and training "
        "diverges; too small and it crawls.")),
    Term("optimizer", N_("Optimizer"), "优化器", "", N_(
        "The rule that updates the weights from their gradients, such as SGD with momentum or "
        "Adam. It keeps a state, such as the momentum, from step to step.")),
    Term("loss", N_("Loss"), "损失", "", N_(
        "A number that says how wrong the predictions are, such as the cross-entropy. "
        "Training lowers it.")),
    Term("gradient", N_("Gradient"), "梯度", "", N_(
        "How the loss changes when each weight changes a little. The optimizer moves the "
        "weights against it.")),
    Term("backpropagation", N_("Backpropagation"), "反向传播", "", N_(
        "Computes the gradient of the loss for every weight by the chain rule, from the last "
        "layer back to the first. It is what makes training deep networks possible.")),
    Term("overfitting", N_("Overfitting"), "过拟合", "", N_(
        "The model learns its training images, noise included, instead of what holds for new "
        "ones. Training accuracy rises while validation accuracy stalls or falls.")),
    Term("regularisation", N_("Regularisation"), "正则化", "", N_(
        "Whatever keeps a model from fitting its training set too closely: weight decay, "
        "Dropout, data augmentation. It trades a little training accuracy for accuracy on "
        "new images.")),
    Term("data_augmentation", N_("Data augmentation"), "数据增强", "图像增广（d2l-zh）", N_(
        "Random changes to the training images, such as crops, flips and shifts. The network "
        "sees more variety and overfits less.")),
    Term("weight_decay", N_("Weight decay"), "权重衰减", "", N_(
        "Pulls every weight a little towards zero at each step. It is a simple regulariser "
        "against overfitting.")),
    Term("label_smoothing", N_("Label smoothing"), "标签平滑", "", N_(
        "Trains towards a target a little below certainty for the true class and spreads the "
        "rest over the others. Inception v3 introduced it to make networks less "
        "over-confident.")),
    Term("checkpoint", N_("Checkpoint"), "检查点", "", N_(
        "The weights and the optimizer state saved after an epoch. A stopped or crashed run "
        "resumes from it.")),
    Term("batch_size", N_("Batch size"), "批大小", "批量大小（d2l-zh）", N_(
        "The number of images in one mini-batch. Larger batches use the hardware better but may "
        "need a larger learning rate.")),
    Term("training_step", N_("Training step"), "训练步", "步", N_(
        "One update of the weights, from the gradient of one mini-batch. An epoch has as many "
        "steps as the training set has mini-batches.")),
    Term("schedule", N_("Learning-rate schedule"), "学习率调度", "学习率调度器", N_(
        "How the learning rate changes during training, such as a cosine decay or a step down "
        "every few epochs. Large steps early and small steps late usually train best.")),
    Term("momentum", N_("Momentum"), "动量", "", N_(
        "Keeps part of the previous update in the next one, like a ball rolling downhill. It "
        "speeds training along steady directions and damps zigzags.")),
    Term("early_stopping", N_("Early stopping"), "早停", "提前停止", N_(
        "Stops training when the validation loss has not improved for a number of epochs, the "
        "patience. It keeps the model from overfitting further and saves time.")),
    Term("seed", N_("Seed"), "随机种子", "", N_(
        "The number that starts a run's random choices: initial weights, shuffling, "
        "augmentation. The same seed makes a run repeatable.")),
    Term("standardised_inputs", N_("Standardised inputs"), "输入标准化", "", N_(
        "Inputs shifted and scaled to zero mean and unit variance, channel by channel. Every "
        "layer then starts with values of a sensible size.")),
    Term("run", N_("Run"), "运行", "", N_(
        "One training of one model on one data set, with its settings, history and checkpoints "
        "kept on disk. Runs can be stopped, resumed, compared and exported.")),
    Term("mixed_precision", N_("Mixed precision"), "混合精度", "", N_(
        "Computes in float16 where it is safe and keeps the weights in float32. On recent GPUs "
        "it trains about twice as fast, with the same accuracy.")),
    Term("transfer_learning", N_("Transfer learning"), "迁移学习", "", N_(
        "Starts from a network trained on a large data set and trains it further on a small "
        "one. It needs far fewer images than training from scratch.")),
    Term("device", N_("Device"), "设备", "", N_(
        "The processor that trains: a GPU when there is one, otherwise the CPU. CNN Studio "
        "picks the best one and says which.")),
    # -- data, evaluation and explanation -------------------------------------------------------
    Term("data_set", N_("Data set"), "数据集", "", N_(
        "Labelled images for training and validation, such as the handwritten digits of MNIST. "
        "CNN Studio ships a sample of 5,000 of them.")),
    Term("validation_set", N_("Validation set"), "验证集", "", N_(
        "Images kept out of training, used to measure accuracy after each epoch. They tell "
        "whether the model generalises or overfits.")),
    Term("accuracy", N_("Accuracy"), "准确率", "精度（d2l-zh）", N_(
        "The share of images whose predicted class is the true one. Measured on a validation "
        "set, it estimates how the model does on new images.")),
    Term("confusion_matrix", N_("Confusion matrix"), "混淆矩阵", "", N_(
        "A table that counts, for each true class, how often each class was predicted. The "
        "counts off the diagonal show which classes are confused.")),
    Term("precision_metric", N_("Precision (metric)"), "精确率", "查准率", N_(
        "Of the images predicted as a class, the share that really belong to it. It falls when "
        "the model claims a class too often.")),
    Term("recall", N_("Recall"), "召回率", "查全率", N_(
        "Of the images of a class, the share that the model found. It falls when the model "
        "misses the class.")),
    Term("grad_cam", N_("Grad-CAM"), "Grad-CAM", "", N_(
        "Weighs a layer's feature maps by the gradient of a class score, to show which parts "
        "of the image led to the prediction. The result is a coarse heat map over the image.")),
    Term("saliency", N_("Saliency map"), "显著图", "显著性图", N_(
        "The gradient of a class score with respect to each pixel: where a small change would "
        "change the score most. It shows fine detail but is noisy.")),
    Term("class", N_("Class"), "类别", "类", N_(
        "One of the answers a classifier can give, such as the digit 7. Each image of a data "
        "set has one class, its label.")),
    Term("label", N_("Label"), "标签", "", N_(
        "The class a person gave an image, which training takes as the truth. A few wrong "
        "labels are normal in large data sets.")),
    Term("image_folder", N_("Image folder"), "图像文件夹", "", N_(
        "A folder with one sub-folder of images for each class, named after the class. It is "
        "how to train on one's own pictures.")),
    Term("f1", N_("F1"), "F1", "F1 分数", N_(
        "The harmonic mean of precision and recall for a class. It is high only when both are.")),
    Term("calibration", N_("Calibration"), "校准", "", N_(
        "Whether the model's confidence matches how often it is right: of the answers given "
        "with a confidence of 0.9, about nine in ten should be right. Modern networks are often "
        "over-confident.")),
    Term("hardest_examples", N_("Hardest examples"), "最难的样本", "困难样本", N_(
        "The validation images the model got wrong with the most confidence, or right with the "
        "least. They show what it has not learned, and sometimes a wrong label.")),
    Term("occlusion", N_("Occlusion"), "遮挡", "", N_(
        "Covers one patch of the image at a time and watches how much the class score drops. "
        "Where it drops most is what the model relies on.")),
    Term("smoothgrad", N_("SmoothGrad"), "SmoothGrad", "", N_(
        "Averages the saliency maps of many noisy copies of an image. The noise cancels out and "
        "the shape of what matters remains.")),
    Term("sanity_check", N_("Sanity check"), "合理性检查", "健全性检查", N_(
        "Compares an explanation of the trained model with one of the same model with "
        "randomised weights. An explanation that barely changes does not explain the model.")),
    Term("export", N_("Export"), "导出", "", N_(
        "Saves a trained model in a standard format: .keras, SavedModel, TFLite or ONNX. Other "
        "programs and devices can then use it.")),
)
# fmt: on

BY_KEY: dict[str, Term] = {term.key: term for term in TERMS}


def matches(term: Term, query: str, shown_name: str = "") -> bool:
    """Whether `query` (any case, surrounding spaces ignored) is part of the term's English,
    Chinese, d2l-zh or shown name, or of its key."""
    query = query.strip().casefold()
    if not query:
        return True
    names = (term.key.replace("_", " "), term.english, term.chinese, term.other, shown_name)
    return any(query in name.casefold() for name in names)


TERMS_BY_KEY: dict[str, Term] = {term.key: term for term in TERMS}


def term_note(key: str) -> str:
    """One line for a tooltip: the term in the interface's language, its Chinese name (and
    d2l-zh's where it differs), and its definition; "" for a key the glossary lacks."""
    from cnnstudio.i18n import _

    term = TERMS_BY_KEY.get(key)
    if term is None:
        return ""
    names = term.chinese if not term.other else f"{term.chinese} / {term.other}"
    return _("Glossary: {name} ({names}): {definition}").format(
        name=_(term.english), names=names, definition=_(term.definition)
    )
