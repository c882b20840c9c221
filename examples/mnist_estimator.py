"""The TF1 "layers" tutorial's MNIST CNN as a `tf.estimator.Estimator`, on torchgraph.

    conv1 5×5×32 + ReLU → pool1 2×2 → conv2 5×5×64 + ReLU → pool2 2×2 → dense 1024 + ReLU
    → dropout 0.4 (training only) → logits 10;  SGD (0.001) on sparse softmax cross-entropy

The model_fn is the tutorial's (`cnn_model_fn(features, labels, mode)`), unchanged but for the
learning rate coming from `params`.  Then, in order:

1. `train` for `--steps` steps with `numpy_input_fn` batches (the shipped MNIST subset by default,
   `--data_dir DIR` for the four standard .gz files); checkpoints, summaries and
   `loss = ..., step = ...` log lines go to `--model_dir`.  Running the program again *resumes*
   from the latest checkpoint there (the printed global step keeps growing);
2. `evaluate` on the test images: accuracy and loss, also written to `model_dir/eval` (TensorBoard);
3. `predict` a few test images (a generator of dicts: classes, probabilities);
4. `export_saved_model` with a raw serving input receiver, reload the SavedModel in a fresh
   Graph and Session and check it predicts what `predict` did.

TensorFlow 2.21 no longer ships tf.estimator; this program runs unchanged on TF 1.x too (with
`import tensorflow as tf`), except for the shipped-data loader.

    python examples/mnist_estimator.py [--steps 200] [--model_dir DIR] [--data_dir DIR] [--learning_rate 0.05]
"""
from __future__ import annotations

import os
import tempfile
from typing import List

import numpy as np

import torchgraph as tf
from torchgraph.examples.tutorials.mnist import input_data

flags = tf.app.flags
flags.DEFINE_string("data_dir", None, "directory with the four MNIST .gz files (default: the shipped subset)")
flags.DEFINE_string("model_dir", os.path.join(tempfile.gettempdir(), "torchgraph", "mnist_estimator"),
                    "checkpoints, summaries (and eval/) and the export go here; rerunning resumes from it")
flags.DEFINE_integer("steps", 200, "training steps in this run (the tutorial trains 20000)")
flags.DEFINE_integer("batch_size", 100, "images per training step")
flags.DEFINE_float("learning_rate", 0.05, "gradient descent learning rate (the tutorial uses 0.001 for its "
                                        "20000 steps; a short run needs a larger one)")
flags.DEFINE_integer("log_every", 50, "log loss/step and write summaries every this many steps")
flags.DEFINE_integer("eval_images", 2000, "test images to evaluate on (0: all)")
flags.DEFINE_integer("seed", 0, "graph-level random seed (initial weights, dropout, shuffling)")
FLAGS = flags.FLAGS


def cnn_model_fn(features, labels, mode, params):
    """The tutorial's model function for the CNN."""
    input_layer = tf.reshape(features["x"], [-1, 28, 28, 1])
    conv1 = tf.layers.conv2d(inputs=input_layer, filters=32, kernel_size=[5, 5], padding="same",
                             activation=tf.nn.relu)
    pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], strides=2)
    conv2 = tf.layers.conv2d(inputs=pool1, filters=64, kernel_size=[5, 5], padding="same", activation=tf.nn.relu)
    pool2 = tf.layers.max_pooling2d(inputs=conv2, pool_size=[2, 2], strides=2)
    pool2_flat = tf.reshape(pool2, [-1, 7 * 7 * 64])
    dense = tf.layers.dense(inputs=pool2_flat, units=1024, activation=tf.nn.relu)
    dropout = tf.layers.dropout(inputs=dense, rate=0.4, training=mode == tf.estimator.ModeKeys.TRAIN)
    logits = tf.layers.dense(inputs=dropout, units=10)

    predictions = {
        "classes": tf.argmax(input=logits, axis=1),
        "probabilities": tf.nn.softmax(logits, name="softmax_tensor"),
    }
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode=mode, predictions=predictions)

    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.train.GradientDescentOptimizer(learning_rate=params["learning_rate"])
        train_op = optimizer.minimize(loss=loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode=mode, loss=loss, train_op=train_op)

    eval_metric_ops = {"accuracy": tf.metrics.accuracy(labels=labels, predictions=predictions["classes"])}
    return tf.estimator.EstimatorSpec(mode=mode, loss=loss, eval_metric_ops=eval_metric_ops)


def main(_argv: List[str]) -> int:
    tf.logging.set_verbosity(tf.logging.INFO)  # the Estimator's loss/step lines, as in TF1
    mnist = input_data.read_data_sets(FLAGS.data_dir)  # labels as class ids, as the tutorial
    train_data, train_labels = mnist.train.images, mnist.train.labels.astype(np.int32)
    eval_count = FLAGS.eval_images or mnist.test.num_examples
    eval_data, eval_labels = mnist.test.images[:eval_count], mnist.test.labels[:eval_count].astype(np.int32)
    print(f"data: {FLAGS.data_dir or 'shipped MNIST subset'}: {len(train_data)} train, {len(eval_data)} "
          f"evaluation images")

    classifier = tf.estimator.Estimator(
        model_fn=cnn_model_fn, model_dir=FLAGS.model_dir, params={"learning_rate": FLAGS.learning_rate},
        config=tf.estimator.RunConfig(tf_random_seed=FLAGS.seed, log_step_count_steps=FLAGS.log_every,
                                      save_summary_steps=FLAGS.log_every, save_checkpoints_steps=FLAGS.steps))
    start_step = int(classifier.get_variable_value("global_step")) if classifier.latest_checkpoint() else 0
    print(f"starting at global step {start_step}" + (" (resumed from the checkpoint in model_dir)"
                                                     if start_step else ""))

    train_input_fn = tf.estimator.inputs.numpy_input_fn(x={"x": train_data}, y=train_labels,
                                                        batch_size=FLAGS.batch_size, num_epochs=None, shuffle=True)
    classifier.train(input_fn=train_input_fn, steps=FLAGS.steps)
    end_step = int(classifier.get_variable_value("global_step"))
    print(f"trained to global step {end_step}; checkpoint: {classifier.latest_checkpoint()}")

    eval_input_fn = tf.estimator.inputs.numpy_input_fn(x={"x": eval_data}, y=eval_labels, num_epochs=1,
                                                       shuffle=False)
    results = classifier.evaluate(input_fn=eval_input_fn)
    print(f"evaluation: accuracy {results['accuracy']:.4f}, loss {results['loss']:.4f} at global step "
          f"{results['global_step']} (also in {classifier.eval_dir()})")

    sample = eval_data[:10]
    predicted = list(classifier.predict(tf.estimator.inputs.numpy_input_fn(x={"x": sample}, shuffle=False)))
    classes = np.array([p["classes"] for p in predicted])
    print(f"predict: classes {classes.tolist()} (labels {eval_labels[:10].tolist()})")

    receiver_fn = tf.estimator.export.build_raw_serving_input_receiver_fn(
        {"x": tf.placeholder(tf.float32, [None, 784], name="x")})
    export_dir = classifier.export_saved_model(os.path.join(FLAGS.model_dir, "export"), receiver_fn).decode()
    with tf.Graph().as_default(), tf.Session() as sess:
        meta_graph = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING], export_dir)
        signature = meta_graph.signature_def[tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        served = sess.run(signature.outputs["classes"].name, feed_dict={signature.inputs["x"].name: sample})
    same = bool(np.array_equal(served, classes))
    print(f"SavedModel: {export_dir}; reloaded in a fresh graph, its classes "
          f"{'match' if same else 'DO NOT match'} predict's")
    print(f"TensorBoard: tensorboard --logdir {FLAGS.model_dir}")
    return 0 if same else 1


if __name__ == "__main__":
    tf.app.run(main)
