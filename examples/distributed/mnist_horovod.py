"""Horovod's TF1 MNIST recipe, unchanged except for the import, on torch.distributed.

    torchrun --nproc_per_node 2 examples/distributed/mnist_horovod.py [--steps 200] [--data_dir DIR]

What makes it Horovod's recipe:

1. `hvd.init()` joins the job torchrun started (gloo on a CPU machine; NCCL for CUDA tensors);
2. each process reads its own shard of the training set (rank r takes every size-th batch);
3. the learning rate is scaled by the number of processes, and the optimizer is wrapped in
   `hvd.DistributedOptimizer`, which averages every process's gradients each step (one fused
   all-reduce inside the step's plan);
4. `hvd.BroadcastGlobalVariablesHook(0)` gives every process rank 0's initial weights;
5. the step budget is divided by the number of processes;
6. only rank 0 writes checkpoints and TensorBoard logs (`checkpoint_dir=None` elsewhere), so a
   restart resumes every process from rank 0's latest checkpoint.

Without torchrun (`python examples/distributed/mnist_horovod.py`) it is a job of one process.
Multi-node: `torchrun --nnodes 2 --node_rank K --nproc_per_node 4 --master_addr HOST --master_port 29500 ...`
on each node.  Default data: the MNIST subset shipped with torchgraph (offline); `--data_dir` takes
the four standard .gz files.
"""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np

import torchgraph as tf
import torchgraph.horovod as hvd
from torchgraph.examples.tutorials.mnist import input_data

flags = tf.app.flags
flags.DEFINE_string("data_dir", None, "directory with the four MNIST .gz files (default: the shipped subset)")
flags.DEFINE_integer("steps", 200, "training steps of the whole job (divided among the processes)")
flags.DEFINE_integer("batch_size", 50, "images per step on each process")
flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate of one process (scaled by the job's size)")
flags.DEFINE_string("checkpoint_dir", os.path.join(tempfile.gettempdir(), "torchgraph", "mnist_horovod"),
                    "rank 0's checkpoints and TensorBoard logs")
FLAGS = flags.FLAGS


def conv_model(images: tf.Tensor, keep_prob: tf.Tensor) -> tf.Tensor:
    """Horovod's example network: two 5x5 conv + pool layers, a 1024-unit layer, dropout, logits."""
    x = tf.reshape(images, [-1, 28, 28, 1])
    h = tf.layers.conv2d(x, 32, 5, padding="same", activation=tf.nn.relu, name="conv1")
    h = tf.layers.max_pooling2d(h, 2, 2, name="pool1")
    h = tf.layers.conv2d(h, 64, 5, padding="same", activation=tf.nn.relu, name="conv2")
    h = tf.layers.max_pooling2d(h, 2, 2, name="pool2")
    h = tf.layers.dense(tf.reshape(h, [-1, 7 * 7 * 64]), 1024, activation=tf.nn.relu, name="fc1")
    h = tf.nn.dropout(h, keep_prob)
    return tf.layers.dense(h, 10, name="fc2")


def main(_argv) -> None:
    hvd.init()
    mnist = input_data.read_data_sets(FLAGS.data_dir, one_hot=False) if FLAGS.data_dir else \
        input_data.read_data_sets(None, one_hot=False)
    images = tf.placeholder(tf.float32, [None, 784], name="images")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")
    logits = conv_model(images, keep_prob)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))
    tf.summary.scalar("loss", loss)

    global_step = tf.train.get_or_create_global_step()
    opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(FLAGS.learning_rate * hvd.size()))
    train_op = opt.minimize(loss, global_step=global_step)

    last_step = max(FLAGS.steps // hvd.size(), 1)
    hooks = [hvd.BroadcastGlobalVariablesHook(0), tf.train.StopAtStepHook(last_step=last_step),
             tf.train.LoggingTensorHook({"step": global_step, "loss": loss}, every_n_iter=50)]
    checkpoint_dir = FLAGS.checkpoint_dir if hvd.rank() == 0 else None

    # Each process its own shard: rank r takes batches r, r + size, r + 2 size, ...
    train_x, train_y = mnist.train.images, mnist.train.labels
    order = np.random.RandomState(1234).permutation(len(train_x))
    shard = order[hvd.rank()::hvd.size()]
    start = time.time()
    steps_run = 0
    with tf.train.MonitoredTrainingSession(checkpoint_dir=checkpoint_dir, hooks=hooks, save_checkpoint_steps=100,
                                           log_step_count_steps=None) as sess:
        while not sess.should_stop():
            idx = shard[(steps_run * FLAGS.batch_size + np.arange(FLAGS.batch_size)) % len(shard)]
            sess.run(train_op, {images: train_x[idx], labels: train_y[idx], keep_prob: 0.5})
            steps_run += 1
    seconds = time.time() - start
    if hvd.rank() == 0:
        with tf.Session() as check:
            saver = tf.train.Saver()
            saver.restore(check, tf.train.latest_checkpoint(FLAGS.checkpoint_dir))
            acc = np.mean([check.run(accuracy, {images: mnist.test.images[k:k + 1000],
                                                labels: mnist.test.labels[k:k + 1000]})
                           for k in range(0, len(mnist.test.images), 1000)])
        images_per_second = steps_run * FLAGS.batch_size * hvd.size() / seconds
        print(f"{hvd.size()} process(es): {steps_run} steps each in {seconds:.1f} s, "
              f"{images_per_second:.0f} images/s for the job; test accuracy {acc:.4f}")
    hvd.shutdown()


if __name__ == "__main__":
    tf.app.run(main)
