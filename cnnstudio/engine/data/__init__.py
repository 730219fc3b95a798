"""Data: bundled and Keras data sets, image folders, downloads, data notes, tf.data pipeline."""
