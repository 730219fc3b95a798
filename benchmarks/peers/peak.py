"""This CPU's float32 matmul peak as TensorFlow reaches it: the fastest of a few 4096x4096
matmuls, in GFLOP/s (2 n^3 flops each)."""

import time

import tensorflow as tf

N = 4096
a = tf.random.uniform((N, N))
b = tf.random.uniform((N, N))
(a @ b).numpy()  # warm-up
fastest = min(
    (lambda begin: (tf.linalg.matmul(a, b).numpy(), time.perf_counter() - begin)[1])(
        time.perf_counter()
    )
    for _ in range(5)
)
print(f"PEAK {2 * N**3 / fastest / 1e9:.1f}")
