"""MNIST through TFRecord files, read back by both TF1 input pipelines, training a small CNN.

1. writes MNIST training images (the subset shipped with torchgraph by default, or
   `--data_dir DIR` with the four standard .gz files) as `tf.train.Example`s into TFRecord shards
   (`--compression` '', ZLIB or GZIP), raw uint8 pixels plus an int64 label per example;
2. **tf.data**: `TFRecordDataset` + `parse_single_example` in `map(num_parallel_calls=...)`,
   shuffle, repeat, batch, `prefetch`, an iterator feeding the CNN; trains `--steps` steps;
3. **queues**: the same files through `string_input_producer` + `TFRecordReader` +
   `parse_single_example` + `shuffle_batch`, with QueueRunner threads under a Coordinator;
   trains the same network the same number of steps;
4. prints each pipeline's first and last loss and its accuracy on test images (fed through a
   placeholder into the same weights).

    python examples/tfrecord_pipeline.py [--steps 200] [--num_train 5000] [--compression GZIP]
"""
from __future__ import annotations

import os
import tempfile
import threading
import time

import numpy as np

import torchgraph as tf
from torchgraph.examples.tutorials.mnist import input_data

flags = tf.app.flags
flags.DEFINE_string("data_dir", None, "directory with the four MNIST .gz files (default: the shipped subset)")
flags.DEFINE_string("out_dir", os.path.join(tempfile.gettempdir(), "torchgraph", "tfrecord_pipeline"),
                    "where the TFRecord shards are written")
flags.DEFINE_integer("num_train", 5000, "training images written to TFRecords")
flags.DEFINE_integer("shards", 2, "TFRecord files to spread them over")
flags.DEFINE_enum("compression", "GZIP", ["", "ZLIB", "GZIP"], "TFRecord compression")
flags.DEFINE_integer("steps", 200, "training steps per pipeline")
flags.DEFINE_integer("batch_size", 50, "images per step")
flags.DEFINE_integer("num_parallel_calls", -1, "map threads for the tf.data pipeline (-1: AUTOTUNE)")
flags.DEFINE_integer("reader_threads", 2, "enqueue threads for the queue pipeline's shuffle_batch")
flags.DEFINE_integer("test_images", 1000, "test images for the accuracy")
flags.DEFINE_integer("seed", 1, "graph-level random seed")
FLAGS = flags.FLAGS

FEATURES = {"image_raw": tf.FixedLenFeature([], tf.string), "label": tf.FixedLenFeature([], tf.int64)}


def write_tfrecords(images: np.ndarray, labels: np.ndarray, out_dir: str, shards: int, compression: str) -> list:
    """One Example per image (raw uint8 bytes, int64 label), spread round robin over the shards."""
    tf.gfile.MakeDirs(out_dir)
    paths = [os.path.join(out_dir, f"train-{i:05d}-of-{shards:05d}.tfrecord") for i in range(shards)]
    options = tf.python_io.TFRecordOptions(compression)
    writers = [tf.python_io.TFRecordWriter(p, options) for p in paths]
    for i, (image, label) in enumerate(zip(images, labels)):
        example = tf.train.Example(features=tf.train.Features(feature={
            "image_raw": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image.tobytes()])),
            "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))}))
        writers[i % shards].write(example.SerializeToString())
    for w in writers:
        w.close()
    return paths


def decode(serialized):
    """A serialized Example -> (784 float pixels in [0, 1], int32 label)."""
    parsed = tf.parse_single_example(serialized, FEATURES)
    image = tf.cast(tf.decode_raw(parsed["image_raw"], tf.uint8), tf.float32) * (1.0 / 255)
    image.set_shape([28 * 28])
    return image, tf.cast(parsed["label"], tf.int32)


def cnn(images):
    """conv 5x5x16 + ReLU, pool, conv 5x5x32 + ReLU, pool, dense 256 + ReLU, 10 logits."""
    x = tf.reshape(images, [-1, 28, 28, 1])
    x = tf.layers.max_pooling2d(tf.layers.conv2d(x, 16, 5, padding="same", activation=tf.nn.relu, name="conv1"),
                                2, 2)
    x = tf.layers.max_pooling2d(tf.layers.conv2d(x, 32, 5, padding="same", activation=tf.nn.relu, name="conv2"),
                                2, 2)
    x = tf.layers.dense(tf.reshape(x, [-1, 7 * 7 * 32]), 256, activation=tf.nn.relu, name="fc1")
    return tf.layers.dense(x, 10, name="logits")


def train_and_test(images, labels, test_x, test_y, steps: int, start_threads=None):
    """Builds the CNN on the pipeline's tensors (and, sharing weights, on a test placeholder),
    trains `steps` steps; returns (first loss, last loss, test accuracy, images/s)."""
    with tf.variable_scope("model"):
        logits = cnn(images)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
    test_images = tf.placeholder(tf.float32, [None, 28 * 28])
    with tf.variable_scope("model", reuse=True):
        predictions = tf.argmax(cnn(test_images), 1)
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        coord, threads = (start_threads(sess) if start_threads else (None, []))
        losses = []
        try:
            start = time.perf_counter()
            for step in range(steps):
                if step == 1:
                    start = time.perf_counter()  # the first step includes planning the graph
                losses.append(sess.run([train_op, loss])[1])
            rate = (steps - 1) * FLAGS.batch_size / max(time.perf_counter() - start, 1e-9)
            accuracy = float(np.mean(sess.run(predictions, {test_images: test_x}) == test_y))
        finally:
            if coord is not None:
                coord.request_stop()
                coord.join(threads)
    return losses[0], float(np.mean(losses[-10:])), accuracy, rate


def dataset_pipeline(paths: list):
    ds = tf.data.TFRecordDataset(paths, compression_type=FLAGS.compression)
    ds = ds.map(decode, num_parallel_calls=FLAGS.num_parallel_calls)
    ds = ds.shuffle(2000, seed=FLAGS.seed).repeat().batch(FLAGS.batch_size).prefetch(2)
    return ds.make_one_shot_iterator().get_next()


def queue_pipeline(paths: list):
    files = tf.train.string_input_producer(paths, shuffle=True, seed=FLAGS.seed)
    reader = tf.TFRecordReader(options=tf.python_io.TFRecordOptions(FLAGS.compression))
    _, serialized = reader.read(files)
    image, label = decode(serialized)
    return tf.train.shuffle_batch([image, label], batch_size=FLAGS.batch_size, capacity=2000,
                                  min_after_dequeue=1000, num_threads=FLAGS.reader_threads, seed=FLAGS.seed)


def start_queue_threads(sess):
    coord = tf.train.Coordinator()
    return coord, tf.train.start_queue_runners(sess=sess, coord=coord)


def main(_):
    mnist = input_data.read_data_sets(FLAGS.data_dir, dtype="uint8", validation_size=0, seed=FLAGS.seed)
    n = min(FLAGS.num_train, mnist.train.num_examples)
    paths = write_tfrecords(mnist.train.images[:n], mnist.train.labels[:n], FLAGS.out_dir, FLAGS.shards,
                            FLAGS.compression)
    size = sum(tf.gfile.Stat(p).length for p in paths)
    print(f"wrote {n} examples to {len(paths)} {FLAGS.compression or 'uncompressed'} TFRecord files "
          f"({size / 1e6:.1f} MB) in {FLAGS.out_dir}")
    test_x = mnist.test.images[:FLAGS.test_images].astype(np.float32) / 255
    test_y = mnist.test.labels[:FLAGS.test_images]
    threads_before = threading.active_count()
    results = {}
    for name, build, starter in (("tf.data", dataset_pipeline, None),
                                 ("queues", queue_pipeline, start_queue_threads)):
        with tf.Graph().as_default():
            tf.set_random_seed(FLAGS.seed)
            images, labels = build(paths)
            results[name] = train_and_test(images, labels, test_x, test_y, FLAGS.steps, starter)
        first, last, acc, rate = results[name]
        print(f"{name:8s} pipeline: loss {first:.3f} -> {last:.3f} over {FLAGS.steps} steps, "
              f"test accuracy {acc:.3f}, {rate:.0f} images/s")
    print(f"threads left running: {threading.active_count() - threads_before}")


if __name__ == "__main__":
    tf.app.run(main)
