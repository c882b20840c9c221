"""The classic deep MNIST convolutional network, TF1 style, on torchgraph: train, log, save, export.

    conv1 5×5×32 + ReLU → pool1 2×2 → conv2 5×5×64 + ReLU → pool2 2×2 → fc1 1024 + ReLU
    → dropout → fc2 10 logits;  Adam (1e-4) on softmax cross-entropy, 50 images a step

What the program does, in order:

1. reads MNIST (`--data_dir DIR` with the four standard .gz files, e.g. ../shared/data/mnist;
   default: the real-MNIST subset shipped with torchgraph, so it runs offline from a fresh clone);
2. builds the graph with TF's name scopes (conv1/ pool1/ conv2/ pool2/ fc1/ dropout/ fc2/, plus
   loss/, adam_optimizer/, accuracy/), so TensorBoard's graph view groups it as TF users know;
3. trains on the GPU when one is present (`--device cpu|gpu` to choose), drawing a progress bar on
   stderr with steps, epoch, loss and images/s;
4. every `--log_every` steps writes loss, batch accuracy and weight histograms with
   `tf.summary` + `FileWriter` (`tensorboard --logdir LOGDIR`), and every `--save_every` steps a
   checkpoint with `tf.train.Saver`;
5. prints the test accuracy (evaluated in batches, dropout off);
6. exports a SavedModel with a prediction signature, reloads it into a fresh Graph and Session
   -- nothing shared with the training graph -- and checks its predictions on test images match.

On the full MNIST set this network passes 99% test accuracy within a few epochs; on a 2-core CPU
one epoch (1100 steps) takes several minutes, on a GPU seconds.

    python examples/mnist_cnn.py [--data_dir DIR] [--epochs 5 | --steps N] [--batch_size 50]
                                 [--logdir DIR] [--device auto|cpu|gpu]
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from typing import List, Optional, TextIO, Tuple

import numpy as np

import torchgraph as tf
from torchgraph.examples.tutorials.mnist import input_data

flags = tf.app.flags
flags.DEFINE_string("data_dir", None, "directory with the four MNIST .gz files (default: the shipped subset)")
flags.DEFINE_integer("epochs", 5, "passes over the training set (ignored when --steps is given)")
flags.DEFINE_integer("steps", 0, "training steps; 0 means --epochs worth of steps")
flags.DEFINE_integer("batch_size", 50, "images per training step")
flags.DEFINE_float("learning_rate", 1e-4, "Adam learning rate")
flags.DEFINE_float("keep_prob", 0.5, "dropout keep probability while training")
flags.DEFINE_string("logdir", os.path.join(tempfile.gettempdir(), "torchgraph", "mnist_cnn"),
                    "TensorBoard logs (train/, test/), checkpoints and the SavedModel go here")
flags.DEFINE_enum("device", "auto", ["auto", "cpu", "gpu"], "where the graph runs (auto: the GPU if present)")
flags.DEFINE_integer("log_every", 100, "write summaries (and a progress line when stderr is not a terminal) "
                                       "every this many steps")
flags.DEFINE_integer("save_every", 1000, "save a checkpoint every this many steps (and at the end)")
flags.DEFINE_integer("eval_batch", 1000, "test images per evaluation batch")
flags.DEFINE_integer("seed", 0, "graph-level random seed (initial weights, dropout masks)")
FLAGS = flags.FLAGS

IMAGE_PIXELS = 28 * 28
NUM_CLASSES = 10
# The training accuracy summary's tag; the test writer uses it too, so TensorBoard draws the train
# and test runs on one chart.
TEST_ACCURACY_TAG = "accuracy/accuracy"


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------
def weight_variable(shape: List[int]) -> tf.Variable:
    """Small random weights break the symmetry between units; truncated so none starts far out."""
    return tf.Variable(tf.truncated_normal(shape, stddev=0.1), name="weights")


def bias_variable(shape: List[int]) -> tf.Variable:
    """A slightly positive bias keeps ReLU units alive at the start."""
    return tf.Variable(tf.constant(0.1, shape=shape), name="biases")


def conv2d(x: tf.Tensor, W: tf.Variable) -> tf.Tensor:
    """Stride 1 and SAME padding: the output keeps the input's height and width."""
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")


def max_pool_2x2(x: tf.Tensor) -> tf.Tensor:
    """Halves height and width."""
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


def deepnn(x: tf.Tensor, keep_prob: tf.Tensor) -> tf.Tensor:
    """The network from flat 784-pixel images to 10 logits, one name scope per layer."""
    with tf.name_scope("reshape"):
        x_image = tf.reshape(x, [-1, 28, 28, 1])
    with tf.name_scope("conv1"):
        h_conv1 = tf.nn.relu(conv2d(x_image, weight_variable([5, 5, 1, 32])) + bias_variable([32]))
    with tf.name_scope("pool1"):
        h_pool1 = max_pool_2x2(h_conv1)                                   # 14×14×32
    with tf.name_scope("conv2"):
        h_conv2 = tf.nn.relu(conv2d(h_pool1, weight_variable([5, 5, 32, 64])) + bias_variable([64]))
    with tf.name_scope("pool2"):
        h_pool2 = max_pool_2x2(h_conv2)                                   # 7×7×64
    with tf.name_scope("fc1"):
        h_pool2_flat = tf.reshape(h_pool2, [-1, 7 * 7 * 64])
        h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, weight_variable([7 * 7 * 64, 1024])) + bias_variable([1024]))
    with tf.name_scope("dropout"):
        h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)
    with tf.name_scope("fc2"):
        logits = tf.matmul(h_fc1_drop, weight_variable([1024, NUM_CLASSES])) + bias_variable([NUM_CLASSES])
    return logits


class Model:
    """The graph's handles: inputs, outputs, training and summary ops."""

    def __init__(self, learning_rate: float):
        self.x = tf.placeholder(tf.float32, [None, IMAGE_PIXELS], name="x")
        self.y_ = tf.placeholder(tf.float32, [None, NUM_CLASSES], name="y_")
        # Dropout is on only when training feeds a keep probability; evaluation and the exported
        # SavedModel see the default, 1.0, without having to know the placeholder exists.
        self.keep_prob = tf.placeholder_with_default(1.0, shape=[], name="keep_prob")
        self.logits = deepnn(self.x, self.keep_prob)
        with tf.name_scope("predictions"):
            self.probabilities = tf.nn.softmax(self.logits, name="probabilities")
            self.classes = tf.argmax(self.logits, 1, name="classes")
        with tf.name_scope("loss"):
            self.loss = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits_v2(labels=self.y_, logits=self.logits))
            tf.summary.scalar("cross_entropy", self.loss)
        self.global_step = tf.train.get_or_create_global_step()
        with tf.name_scope("adam_optimizer"):
            self.train_op = tf.train.AdamOptimizer(learning_rate).minimize(self.loss, global_step=self.global_step)
        with tf.name_scope("accuracy"):
            correct = tf.equal(self.classes, tf.argmax(self.y_, 1))
            self.correct_count = tf.reduce_sum(tf.cast(correct, tf.float32))
            self.accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
            tf.summary.scalar("accuracy", self.accuracy)  # of the training batch, dropout on
        with tf.name_scope("weights"):
            for v in tf.trainable_variables():
                tf.summary.histogram(v.op.name, v)
        self.summaries = tf.summary.merge_all()


# --------------------------------------------------------------------------------------------------
# Progress bar (plain text on stderr, no dependency)
# --------------------------------------------------------------------------------------------------
class ProgressBar:
    """`[#####.....] 420/1100 epoch 1/1 loss 0.321 1830 img/s`, redrawn in place on a terminal.

    When the stream is not a terminal (a log file, a test capturing output) carriage returns would
    pile up into one huge line, so a full line is printed every `every` steps instead.  Images/s is
    measured over the steps since the previous update, so it tracks the current speed rather than
    an average that includes the first step's graph planning.
    """

    def __init__(self, total: int, steps_per_epoch: int, batch_size: int, every: int,
                 stream: TextIO = sys.stderr, width: int = 30):
        self.total, self.steps_per_epoch, self.batch_size = total, max(steps_per_epoch, 1), batch_size
        self.every, self.stream, self.width = max(every, 1), stream, width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_time = time.perf_counter()
        self._last_step = 0
        self._last_draw = 0.0
        self.rate = 0.0

    def update(self, step: int, loss: Optional[float]) -> None:
        now = time.perf_counter()
        due = step == self.total or (now - self._last_draw > 0.2 if self.tty else step % self.every == 0)
        if not due:
            return
        if step > self._last_step:
            self.rate = (step - self._last_step) * self.batch_size / max(now - self._last_time, 1e-9)
        self._last_time, self._last_step, self._last_draw = now, step, now
        done = int(self.width * step / max(self.total, 1))
        epochs = -(-self.total // self.steps_per_epoch)
        epoch = min((step - 1) // self.steps_per_epoch + 1, epochs)
        loss_text = "" if loss is None else f" loss {loss:.4f}"
        text = (f"[{'#' * done}{'.' * (self.width - done)}] {step}/{self.total} epoch {epoch}/{epochs}"
                f"{loss_text} {self.rate:,.0f} img/s")
        self.stream.write(("\r" + text) if self.tty else text + "\n")
        if self.tty and step == self.total:
            self.stream.write("\n")
        self.stream.flush()


# --------------------------------------------------------------------------------------------------
# The program
# --------------------------------------------------------------------------------------------------
def device_setup(device: str) -> Tuple[tf.ConfigProto, Optional[str]]:
    """A `tf.device` scope for building and a ConfigProto for the Session, as a TF1 program does."""
    if device == "cpu":
        return tf.ConfigProto(device_count={"GPU": 0}), "/cpu:0"
    if device == "gpu":
        return tf.ConfigProto(allow_soft_placement=True), "/gpu:0"
    return tf.ConfigProto(), None


def evaluate(sess: tf.Session, model: Model, images: np.ndarray, labels: np.ndarray, batch: int) -> float:
    """Test accuracy in batches, so a 10000-image evaluation never needs all activations at once."""
    correct = 0.0
    for start in range(0, len(images), batch):
        correct += float(sess.run(model.correct_count, feed_dict={model.x: images[start:start + batch],
                                                                  model.y_: labels[start:start + batch]}))
    return correct / len(images)


def export_saved_model(sess: tf.Session, model: Model, export_dir: str) -> None:
    """Writes the graph and variables with one signature: images in, probabilities and classes out."""
    if os.path.exists(export_dir):
        shutil.rmtree(export_dir)  # the builder refuses to write into an existing directory
    builder = tf.saved_model.builder.SavedModelBuilder(export_dir)
    signature = tf.saved_model.signature_def_utils.predict_signature_def(
        inputs={"images": model.x}, outputs={"probabilities": model.probabilities, "classes": model.classes})
    builder.add_meta_graph_and_variables(
        sess, [tf.saved_model.tag_constants.SERVING],
        signature_def_map={tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: signature})
    builder.save()


def predict_with_saved_model(export_dir: str, images: np.ndarray, config: tf.ConfigProto) -> np.ndarray:
    """Loads the SavedModel into a brand-new Graph and Session and predicts through its signature.

    Only the names recorded in the signature are used: this is what a serving process that never
    saw the training code would do.
    """
    with tf.Graph().as_default() as graph, tf.Session(graph=graph, config=config) as sess:
        meta_graph = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING], export_dir)
        signature = meta_graph.signature_def[tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        return sess.run(signature.outputs["classes"].name, feed_dict={signature.inputs["images"].name: images})


def main(_argv: List[str]) -> int:
    mnist = input_data.read_data_sets(FLAGS.data_dir, one_hot=True)
    source = FLAGS.data_dir or "shipped MNIST subset"
    steps_per_epoch = mnist.train.num_examples // FLAGS.batch_size
    total_steps = FLAGS.steps if FLAGS.steps > 0 else FLAGS.epochs * steps_per_epoch
    print(f"data: {source}: {mnist.train.num_examples} train, {mnist.test.num_examples} test images; "
          f"{total_steps} steps of {FLAGS.batch_size} ({total_steps / steps_per_epoch:.2f} epochs)")

    config, device = device_setup(FLAGS.device)
    tf.set_random_seed(FLAGS.seed)
    if device is None:
        model = Model(FLAGS.learning_rate)
    else:
        with tf.device(device):
            model = Model(FLAGS.learning_rate)
    saver = tf.train.Saver(max_to_keep=3)
    os.makedirs(FLAGS.logdir, exist_ok=True)
    checkpoint_prefix = os.path.join(FLAGS.logdir, "model.ckpt")

    with tf.Session(config=config) as sess:
        print(f"device: {sess.device}  (torchgraph extension: where unpinned ops run)")
        if FLAGS.device == "gpu" and not any(d.device_type == "GPU" for d in sess.list_devices()):
            print("warning: --device gpu but no GPU is visible; the ops run on the CPU (allow_soft_placement)")
        train_writer = tf.summary.FileWriter(os.path.join(FLAGS.logdir, "train"), sess.graph)
        test_writer = tf.summary.FileWriter(os.path.join(FLAGS.logdir, "test"))
        sess.run(tf.global_variables_initializer())

        bar = ProgressBar(total_steps, steps_per_epoch, FLAGS.batch_size, FLAGS.log_every)
        loss = None
        train_start = steady_start = time.perf_counter()
        for step in range(1, total_steps + 1):
            batch_x, batch_y = mnist.train.next_batch(FLAGS.batch_size)
            feed = {model.x: batch_x, model.y_: batch_y, model.keep_prob: FLAGS.keep_prob}
            if step % FLAGS.log_every == 0 or step == total_steps:
                _, summary, loss = sess.run([model.train_op, model.summaries, model.loss], feed_dict=feed)
                train_writer.add_summary(summary, step)
            else:
                sess.run(model.train_op, feed_dict=feed)
            if step == 1:
                steady_start = time.perf_counter()  # the first step also plans the graph
            if step % FLAGS.save_every == 0:
                saver.save(sess, checkpoint_prefix, global_step=step)
            bar.update(step, None if loss is None else float(loss))
        train_end = time.perf_counter()
        steady_steps = total_steps - 1
        images_per_s = steady_steps * FLAGS.batch_size / (train_end - steady_start) if steady_steps > 0 else 0.0

        checkpoint = saver.save(sess, checkpoint_prefix, global_step=total_steps)
        test_accuracy = evaluate(sess, model, mnist.test.images, mnist.test.labels, FLAGS.eval_batch)
        test_writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag=TEST_ACCURACY_TAG, simple_value=test_accuracy)]),
                                total_steps)
        train_writer.close()
        test_writer.close()

        sample = mnist.test.images[:100]
        trained_classes = sess.run(model.classes, feed_dict={model.x: sample})
        export_dir = os.path.join(FLAGS.logdir, "saved_model")
        export_saved_model(sess, model, export_dir)

    reloaded_classes = predict_with_saved_model(export_dir, sample, config)
    same = bool(np.array_equal(reloaded_classes, trained_classes))
    sample_accuracy = float(np.mean(reloaded_classes == np.argmax(mnist.test.labels[:100], 1)))

    seconds = train_end - train_start
    print(f"trained {total_steps} steps in {seconds:.1f} s: {images_per_s:,.0f} images/s after the first step")
    print(f"checkpoint: {checkpoint}")
    print(f"TensorBoard logs: tensorboard --logdir {FLAGS.logdir}")
    print(f"SavedModel: {export_dir}; reloaded in a fresh graph, its predictions on 100 test images "
          f"{'match' if same else 'DO NOT match'} the trained model's (accuracy on them {sample_accuracy:.2f})")
    print(f"test accuracy: {test_accuracy:.4f}")
    return 0 if same else 1


if __name__ == "__main__":
    tf.app.run(main)
