"""CNN Studio: learn, train and use the classic convolutional networks."""

__version__ = "0.1.0"
