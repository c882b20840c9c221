"""MNIST with `tf.train.MonitoredTrainingSession`: checkpoint, summary and logging hooks, and a
training run that is killed and restarted and carries on where its last checkpoint left off.

    x (784) → hidden 128 + ReLU → logits 10;  Adam (1e-3) on softmax cross-entropy, 100 images a step

The training loop is TF1's:

    with tf.train.MonitoredTrainingSession(checkpoint_dir=logdir, hooks=hooks, ...) as sess:
        while not sess.should_stop():
            sess.run(train_op, feed_dict=next_batch())

* `checkpoint_dir`: restores the latest `model.ckpt-N` there on start (or initializes), saves every
  `--save_every` steps and at the end (CheckpointSaverHook);
* summaries every `--log_every` steps (SummarySaverHook) and `global_step/sec` (StepCounterHook)
  into the same directory: `tensorboard --logdir LOGDIR`;
* `LoggingTensorHook` logs step, loss and batch accuracy; `StopAtStepHook(last_step=--steps)` ends it;
* `NanTensorHook` stops a diverged run.

`--kill_at_step K` makes the process kill itself (SIGKILL: no cleanup, no final checkpoint) at
step K, as a crash or a pre-empted machine would.  Run the same command again without it and the
session resumes from the last checkpoint saved before the kill.  `--demo_restart` does both in
child processes and prints what each did.

    python examples/mnist_monitored.py [--steps 300] [--logdir DIR] [--data_dir DIR]
                                       [--save_every 100] [--log_every 50] [--kill_at_step K | --demo_restart]
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from typing import List

import torchgraph as tf
from torchgraph.examples.tutorials.mnist import input_data

flags = tf.app.flags
flags.DEFINE_string("data_dir", None, "directory with the four MNIST .gz files (default: the shipped subset)")
flags.DEFINE_string("logdir", os.path.join(tempfile.gettempdir(), "torchgraph", "mnist_monitored"),
                    "checkpoint_dir: checkpoints, summaries, graph.pbtxt")
flags.DEFINE_integer("steps", 300, "train until the global step reaches this")
flags.DEFINE_integer("batch_size", 100, "images per step")
flags.DEFINE_integer("save_every", 100, "checkpoint every this many steps")
flags.DEFINE_integer("log_every", 50, "log and write summaries every this many steps")
flags.DEFINE_integer("kill_at_step", 0, "SIGKILL this process when the global step reaches this (0: never)")
flags.DEFINE_boolean("demo_restart", False, "run a child killed half way, then a child that resumes")
flags.DEFINE_integer("seed", 0, "graph-level random seed")
FLAGS = flags.FLAGS


def build_model():
    """Placeholders, the network, loss, accuracy, train op and summaries, with a global step."""
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y_ = tf.placeholder(tf.int64, [None], name="y_")
    hidden = tf.layers.dense(x, 128, activation=tf.nn.relu, name="hidden")
    logits = tf.layers.dense(hidden, 10, name="logits")
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y_, logits=logits)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y_), tf.float32), name="accuracy")
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=global_step)
    tf.summary.scalar("loss", loss)
    tf.summary.scalar("accuracy", accuracy)
    return x, y_, loss, accuracy, global_step, train_op


def train(mnist) -> int:
    """One training process: resume or start, run until --steps (or the kill); returns the last step."""
    tf.set_random_seed(FLAGS.seed)
    x, y_, loss, accuracy, global_step, train_op = build_model()
    previous = tf.train.latest_checkpoint(FLAGS.logdir)
    print(f"resuming from {os.path.basename(previous)}" if previous else "no checkpoint: starting from scratch",
          flush=True)
    hooks = [tf.train.StopAtStepHook(last_step=FLAGS.steps),
             tf.train.NanTensorHook(loss),
             tf.train.LoggingTensorHook({"step": global_step, "loss": loss, "accuracy": accuracy},
                                        every_n_iter=FLAGS.log_every)]
    step = 0
    with tf.train.MonitoredTrainingSession(checkpoint_dir=FLAGS.logdir, hooks=hooks,
                                           save_checkpoint_steps=FLAGS.save_every,
                                           save_summaries_steps=FLAGS.log_every,
                                           log_step_count_steps=FLAGS.log_every) as sess:
        while not sess.should_stop():
            batch_x, batch_y = mnist.train.next_batch(FLAGS.batch_size)
            _, step = sess.run([train_op, global_step], feed_dict={x: batch_x, y_: batch_y})
            if FLAGS.kill_at_step and step >= FLAGS.kill_at_step:
                print(f"killing the process at step {step} (last checkpoint: "
                      f"{os.path.basename(tf.train.latest_checkpoint(FLAGS.logdir))})", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
    print(f"stopped at step {step}; last checkpoint: {os.path.basename(tf.train.latest_checkpoint(FLAGS.logdir))}")

    # Evaluate the final checkpoint in a plain Session, as a separate evaluation job would.
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, tf.train.latest_checkpoint(FLAGS.logdir))
        test_accuracy = sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels})
    print(f"test accuracy: {test_accuracy:.4f}")
    return int(step)


def demo_restart() -> int:
    """Runs this program twice: killed at half the steps, then again to resume."""
    if os.path.exists(FLAGS.logdir):
        shutil.rmtree(FLAGS.logdir)
    base = [sys.executable, os.path.abspath(__file__), "--logdir", FLAGS.logdir, "--steps", str(FLAGS.steps),
            "--save_every", str(FLAGS.save_every), "--log_every", str(FLAGS.log_every),
            "--batch_size", str(FLAGS.batch_size)] + (["--data_dir", FLAGS.data_dir] if FLAGS.data_dir else [])
    # Half way, between two checkpoints: the restart loses the steps after the last one.
    kill_at = min(FLAGS.save_every * (FLAGS.steps // (2 * FLAGS.save_every)) + FLAGS.save_every // 2 + 1,
                  FLAGS.steps - 1)
    # Each child's log (stderr, where tf.logging writes) is shown with its output.
    first = subprocess.run(base + ["--kill_at_step", str(kill_at)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    print(f"--- run 1 (killed at step {kill_at}), exit status {first.returncode}:\n{first.stdout}")
    second = subprocess.run(base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(f"--- run 2 (restarted), exit status {second.returncode}:\n{second.stdout}")
    killed = first.returncode == -signal.SIGKILL
    resumed = "resuming from model.ckpt-" in second.stdout and second.returncode == 0
    print(f"run 1 was killed: {killed}; run 2 resumed from its last checkpoint and finished: {resumed}")
    return 0 if killed and resumed else 1


def main(_argv: List[str]) -> int:
    if FLAGS.demo_restart:
        return demo_restart()
    tf.logging.set_verbosity(tf.logging.INFO)  # the hooks' log lines, as in TF1
    mnist = input_data.read_data_sets(FLAGS.data_dir, seed=FLAGS.seed)
    os.makedirs(FLAGS.logdir, exist_ok=True)
    train(mnist)
    print(f"TensorBoard: tensorboard --logdir {FLAGS.logdir}")
    return 0


if __name__ == "__main__":
    tf.app.run(main)
