"""The desktop app (PySide6). The only package that imports Qt; it reaches TensorFlow only through
engine objects."""
