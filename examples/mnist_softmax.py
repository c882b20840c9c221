"""MNIST softmax regression with checkpoints, TF1 style, on torchgraph.

The seed program of the tutorials: a single linear layer y = xW + b trained with plain gradient
descent on softmax cross-entropy, 100 images a step, which reaches about 92% test accuracy on the
full MNIST set after 1000 steps.  On the way it shows the checkpoint life cycle:

* a `tf.train.Saver(max_to_keep=5)` saves every `--save_every` steps (default 100), numbering the
  files with the global step, and deletes the oldest so only five remain on disk;
* at the end the oldest checkpoint still kept is restored into the same Session and its test
  accuracy compared with the latest one's -- restoring replaces every variable's value, so the
  two accuracies are those of the model at those two steps.

Data: `--data_dir DIR` reads the four standard MNIST files from DIR (e.g. ../shared/data/mnist);
without it, the real-MNIST subset shipped with torchgraph is used (9000 training images after the
validation split, 2000 test images), so the program runs offline from a fresh clone.

    python examples/mnist_softmax.py [--data_dir DIR] [--steps 1000] [--logdir DIR] [--device cpu|gpu]
"""
from __future__ import annotations

import os
import tempfile
import time
from typing import List, Optional, Tuple

import torchgraph as tf
from torchgraph.examples.tutorials.mnist import input_data

flags = tf.app.flags
flags.DEFINE_string("data_dir", None, "directory with the four MNIST .gz files (default: the shipped subset)")
flags.DEFINE_integer("steps", 1000, "training steps")
flags.DEFINE_integer("batch_size", 100, "images per step")
flags.DEFINE_float("learning_rate", 0.5, "gradient descent learning rate")
flags.DEFINE_integer("save_every", 100, "save a checkpoint every this many steps")
flags.DEFINE_string("logdir", os.path.join(tempfile.gettempdir(), "torchgraph", "mnist_softmax"),
                    "where checkpoints are written")
flags.DEFINE_enum("device", "auto", ["auto", "cpu", "gpu"], "where the graph runs (auto: the GPU if present)")
FLAGS = flags.FLAGS


def device_setup(device: str) -> Tuple[tf.ConfigProto, Optional[str]]:
    """The TF1 way to choose a device: a `tf.device` scope for the ops, a ConfigProto for the Session.

    "cpu" hides the GPU from the Session; "gpu" pins the ops to /gpu:0 and lets the Session place
    them on the CPU (with a warning here) when there is no GPU, as `allow_soft_placement` does in TF.
    """
    if device == "cpu":
        return tf.ConfigProto(device_count={"GPU": 0}), "/cpu:0"
    if device == "gpu":
        return tf.ConfigProto(allow_soft_placement=True), "/gpu:0"
    return tf.ConfigProto(), None


def build_model(learning_rate: float):
    """Softmax regression: placeholders, W and b (zeros), loss, a training op and accuracy."""
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y_ = tf.placeholder(tf.float32, [None, 10], name="y_")
    W = tf.Variable(tf.zeros([784, 10]), name="W")
    b = tf.Variable(tf.zeros([10]), name="b")
    logits = tf.matmul(x, W) + b
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
    global_step = tf.train.get_or_create_global_step()
    train_step = tf.train.GradientDescentOptimizer(learning_rate).minimize(cross_entropy, global_step=global_step)
    correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    return x, y_, cross_entropy, train_step, accuracy, global_step


def main(_argv: List[str]) -> int:
    mnist = input_data.read_data_sets(FLAGS.data_dir, one_hot=True)
    source = FLAGS.data_dir or "shipped MNIST subset"
    print(f"data: {source}: {mnist.train.num_examples} train, {mnist.test.num_examples} test images")
    os.makedirs(FLAGS.logdir, exist_ok=True)
    config, device = device_setup(FLAGS.device)

    if device is None:
        x, y_, cross_entropy, train_step, accuracy, global_step = build_model(FLAGS.learning_rate)
    else:
        with tf.device(device):
            x, y_, cross_entropy, train_step, accuracy, global_step = build_model(FLAGS.learning_rate)
    saver = tf.train.Saver(max_to_keep=5)
    prefix = os.path.join(FLAGS.logdir, "model.ckpt")
    test_feed = {x: mnist.test.images, y_: mnist.test.labels}

    with tf.Session(config=config) as sess:
        print(f"device: {sess.device}  (torchgraph extension: where unpinned ops run)")
        if FLAGS.device == "gpu" and not any(d.device_type == "GPU" for d in sess.list_devices()):
            print("warning: --device gpu but no GPU is visible; the ops run on the CPU (allow_soft_placement)")
        sess.run(tf.global_variables_initializer())
        saved: List[str] = []
        t0 = time.perf_counter()
        for _ in range(FLAGS.steps):
            batch_xs, batch_ys = mnist.train.next_batch(FLAGS.batch_size)
            _, step, loss = sess.run([train_step, global_step, cross_entropy], feed_dict={x: batch_xs, y_: batch_ys})
            if step % FLAGS.save_every == 0 or step == FLAGS.steps:
                path = saver.save(sess, prefix, global_step=step)
                saved.append(path)
                print(f"step {step:5d}  loss {loss:.4f}  saved {os.path.basename(path)}")
        seconds = time.perf_counter() - t0
        last_accuracy = float(sess.run(accuracy, feed_dict=test_feed))
        print(f"trained {FLAGS.steps} steps in {seconds:.2f} s ({seconds / max(FLAGS.steps, 1) * 1e3:.2f} ms/step, "
              "checkpoint writes included)")

        state = tf.train.get_checkpoint_state(FLAGS.logdir)
        kept = list(state.all_model_checkpoint_paths) if state else []
        print(f"checkpoints kept (max_to_keep=5): {[os.path.basename(p) for p in kept]}")
        deleted = [p for p in saved if not tf.train.checkpoint_exists(p)]
        print(f"saved {len(saved)} checkpoints; the Saver deleted the {len(deleted)} oldest from disk")
        if len(kept) < 2:
            print(f"test accuracy: {last_accuracy:.4f} (fewer than two checkpoints: nothing to compare)")
            return 0
        earliest, latest = kept[0], kept[-1]
        saver.restore(sess, earliest)
        earliest_accuracy = float(sess.run(accuracy, feed_dict=test_feed))
        earliest_step = int(sess.run(global_step))
        saver.restore(sess, latest)
        restored_accuracy = float(sess.run(accuracy, feed_dict=test_feed))
        latest_step = int(sess.run(global_step))

    print(f"test accuracy at step {earliest_step:5d} (restored {os.path.basename(earliest)}): {earliest_accuracy:.4f}")
    print(f"test accuracy at step {latest_step:5d} (restored {os.path.basename(latest)}): {restored_accuracy:.4f}")
    print(f"test accuracy: {last_accuracy:.4f} (the in-memory model after training)")
    if abs(restored_accuracy - last_accuracy) > 1e-6:
        print("error: restoring the latest checkpoint did not give back the trained model")
        return 1
    return 0


if __name__ == "__main__":
    tf.app.run(main)
