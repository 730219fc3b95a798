"""The engine: pure Python + Keras/TensorFlow. Data sets, training sessions, the run store,
layer statistics, export and inference. Nothing here imports Qt."""
