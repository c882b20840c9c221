#!/usr/bin/env python3
"""Writes tests/fixtures/tf_zoo/: graphs that real TensorFlow 1.x programs write, with TF's answers.

Why: torchgraph promises that TF1 programs and graphs written by other people run with TF's
numbers.  Graphs torchgraph builds itself cannot show that; graphs real TensorFlow wrote for the
common model families can (see FAMILIES: a Keras-applications MobileNet, a batch-norm ResNet with
UPDATE_OPS, `dynamic_rnn` LSTM and bidirectional GRU classifiers, a Transformer encoder block, a
Keras Sequential model with its learning-phase switch, a text model with string lookup tables, an
image-preprocessing graph with tf.cond, an atrous/transposed-conv segmentation net, a control flow
v2 model, v1 while loops with TensorArrays, and a plain CNN that torchgraph runs today).  Each is
saved three ways, as TF users ship models:

* ``frozen.pb``: ``tf.graph_util.convert_variables_to_constants`` of the inference outputs of the
  training graph;
* ``checkpoint/model.ckpt.*``: ``tf.train.Saver`` (V2 bundle) and its meta graph, of the whole
  training graph (optimizer, ``UPDATE_OPS`` as control dependencies of the train op, TF's
  ``train_op`` collection);
* ``saved_model/``: ``tf.saved_model.simple_save`` (``serving_default`` signature) of the serving
  graph -- the family built again without labels or optimizer, its variables restored from the
  checkpoint, as Estimator exports did.

Next to them, ``manifest.json`` names everything a loader needs: ``inputs`` / ``training_inputs``
(placeholders by key), ``outputs``, ``loss``, ``train_op``, ``init_ops`` (table initialisers, run
after restoring), ``saved_model`` (tags, signature, its tensors), ``inference_cases`` (key -> the
``answers.npz`` entry to feed), ``answers`` (artifact -> case -> output -> entry), ``train_batches``
and ``training`` (runs: extra feeds such as the learning phase, TF's 3 losses, the variables
recorded after the steps with the tensor to fetch them by, and which were left out for size).
``answers.npz`` holds every array: the inputs (numpy, fixed seeds), TF's outputs from each artifact
reloaded in a fresh graph, the training batches, the losses and the variables.  ``op_defs.json``
holds TF's OpDef facts for every op type of the zoo (argument kinds: ref, resource, variant,
string; function attrs; statefulness), so ``tools/zoo_gap_report.py`` can sort what torchgraph
lacks without TensorFlow.

Determinism: every graph sets ``tf.set_random_seed``, every input comes from a numpy
``RandomState`` seeded per family, TF runs on the CPU with one thread per pool and with oneDNN
off (``TF_ENABLE_ONEDNN_OPTS=0``: Eigen's kernels, whose summation order does not depend on the
machine), and the ``.npz`` is written with fixed zip timestamps.  Every training run is done
twice and must agree bit for bit; every artifact's outputs must agree with the live session.

Rerun (overwrites the fixtures; ``--only`` limits the families; ``--check`` instead regenerates
into a temporary directory and compares with the committed files: the manifests, answers and
checkpoint bundles byte for byte, the graphs node for node -- their bytes do vary, as TF names
hash tables ``hash_table_<uuid4>`` and serialises while/cond contexts in hash-map order)::

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/make_tf_zoo.py [--check] [--only NAME ...]

TensorFlow 2.21 + tf-keras: ``tensorflow.compat.v1`` with ``disable_v2_behavior()``, so
``tf.layers``/``tf.get_variable`` make TF1 ref variables while Keras layers make resource
variables, as they do for every TF1-style Keras user of TF 2.x.
"""
from __future__ import annotations

import argparse
import filecmp
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["CUDA_VISIBLE_DEVICES"] = ""

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)
warnings.filterwarnings("ignore", category=UserWarning)  # tf.layers' and rnn_cell's deprecation notes

from tensorflow.core.framework import variable_pb2  # noqa: E402
from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2  # noqa: E402
from tensorflow.python.framework import op_def_registry  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO = os.path.join(REPO, "tests", "fixtures", "tf_zoo")
GRAPH_SEED = 20240611
TRAIN_STEPS = 3
SIZE_BUDGET_BYTES = 15 * 1024 * 1024
# Variables recorded after training: all of them while a family's total stays under this many
# elements; above it, the small ones and a few large ones (the rest are listed as omitted).
VARIABLE_ELEMENT_BUDGET = 40_000
SMALL_VARIABLE = 2_048


def session_config() -> tf.ConfigProto:
    """One thread per pool, no GPU: TF's CPU kernels then sum in a fixed order."""
    return tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1,
                          device_count={"GPU": 0})


@dataclass
class TrainingRun:
    """Three steps of the train op from the checkpoint; `feed_extra` holds e.g. the training switch."""
    name: str
    feed_extra: dict[str, Any] = field(default_factory=dict)
    uses_tf_random: bool = False  # the steps draw from TF's Philox streams (e.g. Dropout's mask)
    note: str = ""


@dataclass
class Training:
    """The training half of a family: only built into the graph the checkpoint is saved from."""
    loss: tf.Tensor
    train_op: tf.Operation
    inputs: dict[str, tf.Tensor]  # extra placeholders (labels, switches), by key
    batches: list[dict[str, np.ndarray]]  # TRAIN_STEPS feeds {input key: value}
    runs: list[TrainingRun] = field(default_factory=lambda: [TrainingRun("train")])


@dataclass
class Family:
    """What a model-family builder returns (built inside the default graph).

    Builders are called twice: with training=True for the graph that is frozen and checkpointed,
    with training=False for the serving graph the SavedModel is exported from (restored from the
    checkpoint, as Estimator exports did), so each builder draws its data the same way both times.
    """
    description: str
    inputs: dict[str, tf.Tensor]  # serving-signature key -> placeholder
    outputs: dict[str, tf.Tensor]  # serving-signature key -> output tensor
    inference_cases: dict[str, dict[str, np.ndarray]]  # case -> {input key: value}
    init_ops: list[tf.Operation] = field(default_factory=list)  # run after restoring (tables)
    notes: list[str] = field(default_factory=list)
    training: Training | None = None
    # Feeds (input key -> value, or tensor name -> value) for _calibrate_batch_norm, or None.
    batch_norm_calibration: dict[str, Any] | None = None


def _rng(name: str) -> np.random.RandomState:
    return np.random.RandomState(zlib.crc32(name.encode()) % (2 ** 31))


# --- the model families ------------------------------------------------------------------------------
def mobilenet_v1(rng: np.random.RandomState, training: bool) -> Family:
    """tf.keras.applications.MobileNet (alpha 0.25, 32x32, no weights) as a frozen base under a new
    5-class head: transfer learning trains the head only (Momentum), while the learning phase fed 1
    makes the base's BatchNormalization use batch statistics and update its moving averages."""
    base = tf.keras.applications.MobileNet(input_shape=(32, 32, 3), alpha=0.25, include_top=False,
                                           weights=None, pooling="avg")
    head = tf.keras.layers.Dense(5, name="logits")
    logits = head(base.output)
    model = tf.keras.Model(base.input, logits)
    probs = tf.nn.softmax(logits, name="probabilities")
    images = lambda n: rng.uniform(-1, 1, (n, 32, 32, 3)).astype(np.float32)
    fam = Family(
        description=mobilenet_v1.__doc__, inputs={"images": base.input},
        outputs={"logits": logits, "probabilities": probs}, inference_cases={"batch2": {"images": images(2)}},
        notes=["Keras layers in TF1 graph mode: resource variables; BatchNormalization switches on the "
               "'keras_learning_phase' placeholder (default False) through v1 cond (Switch/Merge)",
               "moving mean/variance of every BatchNormalization are set to the batch statistics of a "
               "calibration batch before saving: with its initial statistics a randomly initialised "
               "MobileNet shrinks activations layer by layer to logits of ~1e-17 in inference mode",
               "only the head trains: a random MobileNet's gradients explode through its 27 batch norms "
               "(TF's own oneDNN and Eigen kernels then disagree by 1% on the third loss)",
               "inference is ill-conditioned: a 1e-7 relative change of the input moves the logits by "
               "3e-5, and TF's oneDNN kernels differ from its Eigen ones by 1.8e-5"])
    fam.batch_norm_calibration = {"images": images(32), tf.keras.backend.learning_phase().name: True}
    batches = [{"images": images(4), "labels": rng.randint(0, 5, 4).astype(np.int32)} for _ in range(TRAIN_STEPS)]
    if training:
        labels = tf.placeholder(tf.int32, [None], name="labels")
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        global_step = tf.train.get_or_create_global_step()
        with tf.control_dependencies(model.updates):  # Keras BN's moving averages
            train_op = tf.train.MomentumOptimizer(0.05, 0.9).minimize(
                loss, global_step=global_step, var_list=head.trainable_weights)
        phase = tf.keras.backend.learning_phase()
        fam.training = Training(loss, train_op, {"labels": labels}, batches, [TrainingRun(
            "train", {phase.name: True}, note="learning phase 1: batch statistics and moving-average updates")])
    return fam


def resnet_batch_norm(rng: np.random.RandomState, training: bool) -> Family:
    """Two residual blocks of tf.layers conv + batch_normalization(training=is_training), weight decay,
    Momentum with UPDATE_OPS as control dependencies; the serving graph uses training=False."""
    images = tf.placeholder(tf.float32, [None, 16, 16, 3], name="images")
    is_training = tf.placeholder_with_default(False, [], name="is_training") if training else False

    def conv_bn(h, filters, kernel, stride, scope, relu=True):
        with tf.variable_scope(scope):
            h = tf.layers.conv2d(h, filters, kernel, strides=stride, padding="same", use_bias=False,
                                 kernel_initializer=tf.variance_scaling_initializer())
            h = tf.layers.batch_normalization(h, momentum=0.9, training=is_training)
            return tf.nn.relu(h) if relu else h

    def block(h, filters, stride, scope):
        with tf.variable_scope(scope):
            shortcut = h
            if stride != 1 or h.shape[-1] != filters:
                shortcut = conv_bn(h, filters, 1, stride, "projection", relu=False)
            y = conv_bn(h, filters, 3, stride, "conv1")
            y = conv_bn(y, filters, 3, 1, "conv2", relu=False)
            return tf.nn.relu(y + shortcut)

    h = conv_bn(images, 8, 3, 1, "stem")
    h = block(h, 8, 1, "block1")
    h = block(h, 16, 2, "block2")
    pooled = tf.reduce_mean(h, [1, 2], name="global_pool")
    logits = tf.layers.dense(pooled, 4, name="logits")
    probs = tf.nn.softmax(logits, name="probabilities")
    batch = lambda n: {"images": rng.standard_normal((n, 16, 16, 3)).astype(np.float32),
                       "labels": rng.randint(0, 4, n).astype(np.int64)}
    fam = Family(
        description=resnet_batch_norm.__doc__, inputs={"images": images},
        outputs={"logits": logits, "probabilities": probs},
        inference_cases={"batch3": {"images": rng.standard_normal((3, 16, 16, 3)).astype(np.float32)}})
    batches = [batch(4) for _ in range(TRAIN_STEPS)]
    if training:
        labels = tf.placeholder(tf.int64, [None], name="labels")
        xent = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        decay = 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables() if "kernel" in v.name])
        loss = tf.add(xent, decay, name="total_loss")
        global_step = tf.train.get_or_create_global_step()
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            train_op = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss, global_step=global_step)
        fam.training = Training(loss, train_op, {"labels": labels}, batches,
                                [TrainingRun("train", {is_training.name: True}, note="is_training fed True")])
    return fam


def _sequence_batch(rng, lengths, steps, depth, classes) -> dict:
    return {"inputs": rng.standard_normal((len(lengths), steps, depth)).astype(np.float32),
            "lengths": np.array(lengths, np.int32), "labels": rng.randint(0, classes, len(lengths)).astype(np.int32)}


def _without_labels(batch: dict) -> dict:
    return {k: v for k, v in batch.items() if k != "labels"}


def _classifier_training(logits, labels_dtype, batches, optimizer) -> Training:
    """Mean sparse softmax cross-entropy against a `labels` placeholder, minimised by `optimizer`."""
    labels = tf.placeholder(labels_dtype, [None], name="labels")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits), name="loss")
    return Training(loss, optimizer.minimize(loss), {"labels": labels}, batches)


def lstm_dynamic_rnn(rng: np.random.RandomState, training: bool) -> Family:
    """tf.nn.dynamic_rnn over an LSTMCell with ragged sequence_length; classify the last state; Adam."""
    inputs = tf.placeholder(tf.float32, [None, 7, 5], name="inputs")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")
    cell = tf.nn.rnn_cell.LSTMCell(16)
    outputs, state = tf.nn.dynamic_rnn(cell, inputs, sequence_length=lengths, dtype=tf.float32)
    sequence_outputs = tf.identity(outputs, name="sequence_outputs")
    logits = tf.layers.dense(state.h, 3, name="logits")
    fam = Family(
        description=lstm_dynamic_rnn.__doc__, inputs={"inputs": inputs, "lengths": lengths},
        outputs={"logits": logits, "sequence_outputs": sequence_outputs, "final_c": state.c},
        inference_cases={"ragged3": _without_labels(_sequence_batch(rng, [2, 7, 4], 7, 5, 3))})
    batches = [_sequence_batch(rng, lens, 7, 5, 3) for lens in ([7, 3, 5, 1], [4, 7, 2, 6], [1, 1, 7, 5])]
    if training:
        fam.training = _classifier_training(logits, tf.int32, batches, tf.train.AdamOptimizer(0.01))
    return fam


def bidirectional_gru(rng: np.random.RandomState, training: bool) -> Family:
    """tf.nn.bidirectional_dynamic_rnn over two GRUCells with sequence_length; RMSProp."""
    inputs = tf.placeholder(tf.float32, [None, 6, 4], name="inputs")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")
    (out_fw, out_bw), (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
        tf.nn.rnn_cell.GRUCell(8), tf.nn.rnn_cell.GRUCell(8), inputs, sequence_length=lengths, dtype=tf.float32)
    sequence_outputs = tf.concat([out_fw, out_bw], 2, name="sequence_outputs")
    logits = tf.layers.dense(tf.concat([state_fw, state_bw], 1), 2, name="logits")
    fam = Family(
        description=bidirectional_gru.__doc__, inputs={"inputs": inputs, "lengths": lengths},
        outputs={"logits": logits, "sequence_outputs": sequence_outputs},
        inference_cases={"ragged3": _without_labels(_sequence_batch(rng, [6, 2, 4], 6, 4, 2))})
    batches = [_sequence_batch(rng, lens, 6, 4, 2) for lens in ([6, 3, 1, 5], [2, 6, 6, 4], [5, 1, 3, 6])]
    if training:
        fam.training = _classifier_training(logits, tf.int32, batches, tf.train.RMSPropOptimizer(0.01))
    return fam


def _layer_norm(x, scope):
    """Layer norm as tf.contrib.layers.layer_norm wrote it: moments over the last axis."""
    with tf.variable_scope(scope):
        depth = x.shape[-1]
        gamma = tf.get_variable("gamma", [depth], initializer=tf.ones_initializer())
        beta = tf.get_variable("beta", [depth], initializer=tf.zeros_initializer())
        mean, variance = tf.nn.moments(x, [-1], keep_dims=True)
        return (x - mean) * tf.rsqrt(variance + 1e-6) * gamma + beta


def transformer_encoder(rng: np.random.RandomState, training: bool) -> Family:
    """Embedding + one encoder block: einsum multi-head attention with a padding mask, layer norm, GELU
    feed-forward; mean-pooled classifier; Adam on clipped gradients (sparse embedding updates)."""
    vocab, max_len, d_model, heads, d_head, d_ff = 20, 8, 16, 2, 8, 32
    ids = tf.placeholder(tf.int32, [None, None], name="token_ids")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")
    init = tf.truncated_normal_initializer(stddev=0.2)
    embeddings = tf.get_variable("embeddings", [vocab, d_model], initializer=init)
    positions = tf.get_variable("positions", [max_len, d_model], initializer=init)
    steps = tf.shape(ids)[1]
    h = tf.nn.embedding_lookup(embeddings, ids) + positions[None, :steps]
    mask = tf.sequence_mask(lengths, steps, dtype=tf.float32)
    with tf.variable_scope("encoder/attention"):
        proj = {k: tf.get_variable(k + "/kernel", [d_model, heads, d_head], initializer=init) for k in "qkv"}
        q, k, v = (tf.einsum("btd,dhk->bthk", h, proj[n]) for n in "qkv")
        scores = tf.einsum("bqhk,bthk->bhqt", q, k) * (1.0 / math.sqrt(d_head))
        scores += (1.0 - mask)[:, None, None, :] * -1e9
        weights = tf.nn.softmax(scores, name="attention_weights")
        context = tf.einsum("bhqt,bthk->bqhk", weights, v)
        w_out = tf.get_variable("output/kernel", [heads, d_head, d_model], initializer=init)
        attended = tf.einsum("bqhk,hkd->bqd", context, w_out)
    h = _layer_norm(h + attended, "encoder/attention_norm")
    with tf.variable_scope("encoder/ffn"):
        inner = tf.layers.dense(h, d_ff, name="inner")
        inner = 0.5 * inner * (1.0 + tf.erf(inner / math.sqrt(2.0)))
        h = _layer_norm(h + tf.layers.dense(inner, d_model, name="outer"), "norm")
    pooled = tf.reduce_sum(h * mask[:, :, None], 1) / tf.reduce_sum(mask, 1, keepdims=True)
    logits = tf.layers.dense(pooled, 3, name="logits")

    def batch(lens, width):
        tokens = rng.randint(1, vocab, (len(lens), width)).astype(np.int32)
        for row, n in enumerate(lens):
            tokens[row, n:] = 0
        return {"token_ids": tokens, "lengths": np.array(lens, np.int32),
                "labels": rng.randint(0, 3, len(lens)).astype(np.int32)}
    fam = Family(
        description=transformer_encoder.__doc__, inputs={"token_ids": ids, "lengths": lengths},
        outputs={"logits": logits, "attention_weights": weights},
        inference_cases={"padded3": _without_labels(batch([5, 2, 6], 6))})
    batches = [batch([6, 3, 5, 1], 6), batch([4, 4, 2, 3], 4), batch([8, 2, 7, 5], 8)]
    if training:
        labels = tf.placeholder(tf.int32, [None], name="labels")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits),
                              name="loss")
        params = tf.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf.gradients(loss, params), 1.0)
        train_op = tf.train.AdamOptimizer(0.01).apply_gradients(zip(grads, params))
        fam.training = Training(loss, train_op, {"labels": labels}, batches)
    return fam


def keras_sequential(rng: np.random.RandomState, training: bool) -> Family:
    """tf.keras.Sequential Dense/BatchNormalization/ReLU/Dropout/Dense in graph mode, tf.train.Adam."""
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(16, input_shape=(10,), use_bias=False, name="hidden"),  # BN's beta is the bias
        tf.keras.layers.BatchNormalization(name="batch_norm"),
        tf.keras.layers.Activation("relu", name="relu"),
        tf.keras.layers.Dropout(0.25, name="dropout"),
        tf.keras.layers.Dense(3, name="logits"),
    ])
    logits = model.output
    probs = tf.nn.softmax(logits, name="probabilities")
    batch = lambda n: {"features": rng.standard_normal((n, 10)).astype(np.float32),
                       "labels": rng.randint(0, 3, n).astype(np.int32)}
    fam = Family(
        description=keras_sequential.__doc__, inputs={"features": model.input},
        outputs={"logits": logits, "probabilities": probs},
        inference_cases={"batch5": {"features": rng.standard_normal((5, 10)).astype(np.float32)}},
        notes=["the learning phase is the PlaceholderWithDefault 'keras_learning_phase' (default False); "
               "Dropout and BatchNormalization switch on it through v1 cond (Switch/Merge)"])
    batches = [batch(8) for _ in range(TRAIN_STEPS)]
    if training:
        labels = tf.placeholder(tf.int32, [None], name="labels")
        loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True),
                              name="loss")
        with tf.control_dependencies(model.updates):
            train_op = tf.train.AdamOptimizer(0.01).minimize(loss, var_list=model.trainable_weights)
        phase = tf.keras.backend.learning_phase()
        fam.training = Training(loss, train_op, {"labels": labels}, batches, [
            TrainingRun("learning_phase_0", {phase.name: False},
                        note="inference mode: no dropout, moving statistics; deterministic"),
            TrainingRun("learning_phase_1", {phase.name: True}, uses_tf_random=True,
                        note="training mode: Dropout's mask comes from TF's Philox RandomUniform stream"),
        ])
    return fam


def text_lookup(rng: np.random.RandomState, training: bool) -> Family:
    """Sentences split on spaces, words to ids with a StaticVocabularyTable (OOV buckets), labels
    through a StaticHashTable, an embedding averaged over the words, a softmax classifier; Adam."""
    words = ["<pad>", "the", "a", "cat", "dog", "sat", "ran", "on", "mat", "fast", "slow", "big"]
    classes = ["neg", "neu", "pos"]
    sentences = tf.placeholder(tf.string, [None], name="sentences")
    vocab = tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(words, tf.range(len(words), dtype=tf.int64)), num_oov_buckets=3)
    split = tf.string_split(sentences, " ")
    tokens = tf.sparse.to_dense(split, default_value="<pad>")
    ids = vocab.lookup(tokens)
    mask = tf.cast(tf.not_equal(ids, 0), tf.float32)
    embeddings = tf.get_variable("embeddings", [len(words) + 3, 8], initializer=tf.random_normal_initializer(stddev=0.3))
    vectors = tf.nn.embedding_lookup(embeddings, ids)
    pooled = tf.reduce_sum(vectors * mask[:, :, None], 1) / tf.maximum(tf.reduce_sum(mask, 1, keepdims=True), 1.0)
    logits = tf.layers.dense(pooled, len(classes), name="logits")
    predicted = tf.gather(tf.constant(classes), tf.argmax(logits, 1), name="predicted_class")
    vocabulary = words[1:] + ["zebra", "quickly"]  # two words outside the table: hashed to OOV buckets

    def sentences_of(n):
        return np.array([" ".join(rng.choice(vocabulary, rng.randint(1, 7))) for _ in range(n)], dtype=object)
    fam = Family(
        description=text_lookup.__doc__, inputs={"sentences": sentences},
        outputs={"logits": logits, "predicted_class": predicted, "word_ids": ids},
        inference_cases={"sentences4": {"sentences": np.array(
            ["the cat sat on the mat", "a dog ran fast", "zebra", "the big slow dog sat quickly"], dtype=object)}},
        notes=["tables are initialised by the op 'init_all_tables' (tf.tables_initializer), which the frozen "
               "graph keeps; the SavedModel runs it as its legacy_init_op"])
    batches = [{"sentences": sentences_of(5), "label_words": np.array(rng.choice(classes, 5), dtype=object)}
               for _ in range(TRAIN_STEPS)]
    if training:
        label_words = tf.placeholder(tf.string, [None], name="label_words")
        label_table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(classes, [0, 1, 2], key_dtype=tf.string, value_dtype=tf.int64), -1)
        loss = tf.losses.sparse_softmax_cross_entropy(label_table.lookup(label_words), logits)
        fam.training = Training(loss, tf.train.AdamOptimizer(0.05).minimize(loss), {"label_words": label_words},
                                batches)
    fam.init_ops = [tf.tables_initializer(name="init_all_tables")]
    return fam


def image_preprocessing(rng: np.random.RandomState, training: bool) -> Family:
    """uint8 images of any size -> float, tf.cond on the aspect ratio between resize_bilinear
    (align_corners) and a flip + bicubic tf.image.resize, per-image standardization, a conv net with
    a bilinear resize inside (so training differentiates ResizeBilinear); Momentum."""
    images = tf.placeholder(tf.uint8, [None, None, None, 3], name="images")
    x = tf.image.convert_image_dtype(images, tf.float32)
    shape = tf.shape(x)
    tall = tf.greater(shape[1], shape[2], name="is_tall")
    x = tf.cond(tall,
                lambda: tf.image.resize_bilinear(x, [16, 16], align_corners=True),
                lambda: tf.image.resize(tf.image.flip_left_right(x), [16, 16], method=tf.image.ResizeMethod.BICUBIC))
    x = tf.image.per_image_standardization(x)
    preprocessed = tf.identity(x, name="preprocessed")
    h = tf.layers.conv2d(x, 8, 3, strides=2, padding="same", activation=tf.nn.relu, name="conv1")
    h = tf.image.resize(h, [12, 12])
    h = tf.layers.conv2d(h, 8, 3, padding="valid", activation=tf.nn.relu, name="conv2")
    h = tf.layers.max_pooling2d(h, 2, 2)
    logits = tf.layers.dense(tf.layers.flatten(h), 4, name="logits")
    image = lambda n, hgt, wid: rng.randint(0, 256, (n, hgt, wid, 3)).astype(np.uint8)
    batch = lambda hgt, wid: {"images": image(3, hgt, wid), "labels": rng.randint(0, 4, 3).astype(np.int32)}
    fam = Family(
        description=image_preprocessing.__doc__, inputs={"images": images},
        outputs={"logits": logits, "preprocessed": preprocessed},
        inference_cases={"tall": {"images": image(2, 20, 12)}, "wide": {"images": image(2, 9, 23)}})
    batches = [batch(20, 14), batch(10, 18), batch(17, 17)]
    if training:
        labels = tf.placeholder(tf.int32, [None], name="labels")
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        fam.training = Training(loss, tf.train.MomentumOptimizer(0.02, 0.9).minimize(loss), {"labels": labels},
                                batches)
    return fam


def segmentation_atrous(rng: np.random.RandomState, training: bool) -> Family:
    """Encoder with a strided conv, tf.nn.atrous_conv2d (rate 2), a dilated tf.layers.conv2d and a
    dilated tf.layers.separable_conv2d (depthwise + pointwise), decoder with tf.layers.conv2d_transpose back to full resolution; per-pixel softmax; Nesterov."""
    images = tf.placeholder(tf.float32, [None, 16, 16, 3], name="images")
    h = tf.layers.conv2d(images, 8, 3, strides=2, padding="same", activation=tf.nn.relu, name="down")
    atrous_filter = tf.get_variable("atrous/filter", [3, 3, 8, 8], initializer=tf.glorot_uniform_initializer())
    h = tf.nn.relu(tf.nn.atrous_conv2d(h, atrous_filter, rate=2, padding="SAME"))
    h = tf.layers.conv2d(h, 8, 3, dilation_rate=2, padding="same", activation=tf.nn.relu, name="dilated")
    h = tf.layers.separable_conv2d(h, 8, 3, dilation_rate=2, padding="same", activation=tf.nn.relu,
                                   name="separable")  # DeepLab's atrous separable conv: depthwise + 1x1
    logits = tf.layers.conv2d_transpose(h, 3, 3, strides=2, padding="same", name="upsample")
    prediction = tf.argmax(logits, -1, name="prediction", output_type=tf.int32)
    batch = lambda n: {"images": rng.standard_normal((n, 16, 16, 3)).astype(np.float32),
                       "masks": rng.randint(0, 3, (n, 16, 16)).astype(np.int32)}
    fam = Family(
        description=segmentation_atrous.__doc__, inputs={"images": images},
        outputs={"logits": logits, "prediction": prediction},
        inference_cases={"batch2": {"images": rng.standard_normal((2, 16, 16, 3)).astype(np.float32)}})
    batches = [batch(2) for _ in range(TRAIN_STEPS)]
    if training:
        masks = tf.placeholder(tf.int32, [None, 16, 16], name="masks")
        loss = tf.losses.sparse_softmax_cross_entropy(masks, logits)
        train_op = tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True).minimize(loss)
        fam.training = Training(loss, train_op, {"masks": masks}, batches)
    return fam


def control_flow_v2_rnn(rng: np.random.RandomState, training: bool) -> Family:
    """Built under tf.enable_control_flow_v2(): dynamic_rnn over an LSTMCell (a While op whose body is
    a FunctionDef with TensorList ops) and tf.cond choosing last state or mean output (an If); Adam."""
    inputs = tf.placeholder(tf.float32, [None, 5, 3], name="inputs")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")
    use_last = tf.placeholder_with_default(True, [], name="use_last_state")
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(8), inputs, sequence_length=lengths, dtype=tf.float32)
    features = tf.cond(use_last, lambda: state.h, lambda: tf.reduce_mean(outputs, 1))
    logits = tf.layers.dense(features, 3, name="logits")
    infer = _without_labels(_sequence_batch(rng, [5, 2, 3], 5, 3, 3))
    fam = Family(
        description=control_flow_v2_rnn.__doc__,
        inputs={"inputs": inputs, "lengths": lengths, "use_last_state": use_last}, outputs={"logits": logits},
        inference_cases={"last_state": infer, "mean_output": dict(infer, use_last_state=np.array(False))})
    batches = [_sequence_batch(rng, lens, 5, 3, 3) for lens in ([5, 1, 3], [2, 5, 4], [3, 3, 5])]
    if training:
        fam.training = _classifier_training(logits, tf.int32, batches, tf.train.AdamOptimizer(0.02))
    return fam


def while_loop_v1(rng: np.random.RandomState, training: bool) -> Family:
    """v1 control flow without RNN helpers: tf.map_fn over the batch, a tf.while_loop refining a state
    and writing every iterate into a tf.TensorArray, stacked and averaged; Adagrad on a squared error."""
    features = tf.placeholder(tf.float32, [None, 6], name="features")
    w_in = tf.get_variable("w_in", [6, 8], initializer=tf.glorot_uniform_initializer())
    w_step = tf.get_variable("w_step", [8, 8], initializer=tf.orthogonal_initializer(0.5))
    w_out = tf.get_variable("w_out", [8, 2], initializer=tf.glorot_uniform_initializer())
    embedded = tf.map_fn(lambda row: tf.tanh(tf.squeeze(tf.matmul(row[None], w_in), 0)), features)
    iterates = tf.TensorArray(tf.float32, size=4, name="iterates")

    def body(i, h, acc):
        h = h + 0.5 * tf.tanh(tf.matmul(h, w_step))
        return i + 1, h, acc.write(i, h)
    _, final, iterates = tf.while_loop(lambda i, h, acc: i < 4, body, [tf.constant(0), embedded, iterates])
    averaged = tf.reduce_mean(iterates.stack(), 0, name="averaged")
    predictions = tf.matmul(averaged, w_out, name="predictions")
    batch = lambda n: {"features": rng.standard_normal((n, 6)).astype(np.float32),
                       "targets": rng.standard_normal((n, 2)).astype(np.float32)}
    fam = Family(
        description=while_loop_v1.__doc__, inputs={"features": features},
        outputs={"predictions": predictions, "final_state": tf.identity(final, name="final_state")},
        inference_cases={"batch3": {"features": rng.standard_normal((3, 6)).astype(np.float32)}})
    batches = [batch(4) for _ in range(TRAIN_STEPS)]
    if training:
        targets = tf.placeholder(tf.float32, [None, 2], name="targets")
        loss = tf.losses.mean_squared_error(targets, predictions)
        fam.training = Training(loss, tf.train.AdagradOptimizer(0.1).minimize(loss), {"targets": targets}, batches)
    return fam


def cnn_baseline(rng: np.random.RandomState, training: bool) -> Family:
    """The TF1 tutorial CNN: tf.layers conv/max-pool/dense on 12x12 images, tf.losses cross-entropy,
    Adam with an exponentially decaying learning rate and a global step.  Nothing here needs issue 11's
    mechanisms: it checks that the zoo's harness itself (restore, train, compare) works today."""
    images = tf.placeholder(tf.float32, [None, 12, 12, 1], name="images")
    h = tf.layers.conv2d(images, 4, 3, padding="same", activation=tf.nn.relu, name="conv1")
    h = tf.layers.max_pooling2d(h, 2, 2, name="pool1")
    h = tf.layers.conv2d(h, 8, 3, padding="valid", activation=tf.nn.relu, name="conv2")
    logits = tf.layers.dense(tf.layers.flatten(h), 3, name="logits")
    probs = tf.nn.softmax(logits, name="probabilities")
    batch = lambda n: {"images": rng.standard_normal((n, 12, 12, 1)).astype(np.float32),
                       "labels": rng.randint(0, 3, n).astype(np.int32)}
    fam = Family(
        description=cnn_baseline.__doc__, inputs={"images": images}, outputs={"logits": logits, "probabilities": probs},
        inference_cases={"batch3": {"images": rng.standard_normal((3, 12, 12, 1)).astype(np.float32)}})
    batches = [batch(5) for _ in range(TRAIN_STEPS)]
    if training:
        labels = tf.placeholder(tf.int32, [None], name="labels")
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        global_step = tf.train.get_or_create_global_step()
        rate = tf.train.exponential_decay(0.01, global_step, 2, 0.5, staircase=True)
        train_op = tf.train.AdamOptimizer(rate).minimize(loss, global_step=global_step)
        fam.training = Training(loss, train_op, {"labels": labels}, batches)
    return fam


FAMILIES: dict[str, Callable[[np.random.RandomState, bool], Family]] = {
    "mobilenet_v1": mobilenet_v1,
    "resnet_batch_norm": resnet_batch_norm,
    "lstm_dynamic_rnn": lstm_dynamic_rnn,
    "bidirectional_gru": bidirectional_gru,
    "transformer_encoder": transformer_encoder,
    "keras_sequential": keras_sequential,
    "text_lookup": text_lookup,
    "image_preprocessing": image_preprocessing,
    "segmentation_atrous": segmentation_atrous,
    "control_flow_v2_rnn": control_flow_v2_rnn,
    "while_loop_v1": while_loop_v1,
    "cnn_baseline": cnn_baseline,
}
CONTROL_FLOW_V2_FAMILIES = ("control_flow_v2_rnn",)  # built under tf.enable_control_flow_v2()


# --- writing and reloading the artifacts ---------------------------------------------------------------
class NpzWriter:
    """An .npz that is byte-for-byte reproducible: numpy's own savez stamps the current time into
    every zip entry.  Strings are stored as fixed-width bytes so loading needs no pickle."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, key: str, value: Any) -> str:
        array = np.asarray(value)
        if array.dtype == object:
            array = np.array([s.encode() if isinstance(s, str) else s for s in array.ravel()]).reshape(array.shape)
        assert key not in self.arrays, key
        self.arrays[key] = array
        return key

    def write(self, path: str) -> None:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for key in sorted(self.arrays):
                buf = io.BytesIO()
                np.lib.format.write_array(buf, self.arrays[key], allow_pickle=False)
                info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, buf.getvalue())


def _feed(graph: tf.Graph, names: dict[str, str], values: dict[str, np.ndarray], extra: dict | None = None) -> dict:
    feed = {graph.get_tensor_by_name(names[k]): v for k, v in values.items()}
    for name, v in (extra or {}).items():
        feed[graph.get_tensor_by_name(name)] = v
    return feed


def _variable_defs(meta: meta_graph_pb2.MetaGraphDef) -> list[variable_pb2.VariableDef]:
    """Every global variable, as the meta graph's `variables` collection describes it."""
    return [variable_pb2.VariableDef.FromString(b) for b in meta.collection_def["variables"].bytes_list.value]


def _chosen_variables(defs: list, values: dict[str, np.ndarray]) -> tuple[list, list]:
    """Which variables' values after training go into answers.npz (see VARIABLE_ELEMENT_BUDGET)."""
    size = {d.variable_name: values[d.variable_name].size for d in defs}
    if sum(size.values()) <= VARIABLE_ELEMENT_BUDGET:
        return list(defs), []
    small = [d for d in defs if size[d.variable_name] <= SMALL_VARIABLE]
    large = [d for d in defs if size[d.variable_name] > SMALL_VARIABLE]
    trainable_large = [d for d in large if d.trainable]
    keep = {trainable_large[0].variable_name, trainable_large[-1].variable_name} if trainable_large else set()
    chosen = [d for d in defs if d in small or d.variable_name in keep]
    return chosen, [d.variable_name for d in defs if d not in chosen]


def _build(name: str, training: bool) -> tuple[tf.Graph, Family]:
    """A fresh graph with the family in it (Keras's name counters reset, the graph seed set)."""
    tf.keras.backend.clear_session()
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(GRAPH_SEED)
        if name in CONTROL_FLOW_V2_FAMILIES:
            tf.enable_control_flow_v2()  # process-wide in TF: switched off again right after building
        try:
            fam = FAMILIES[name](_rng(name), training)
        finally:
            tf.disable_control_flow_v2()
    return graph, fam


def _tensor_spec(t: tf.Tensor) -> dict:
    return {"name": t.name, "dtype": t.dtype.name, "shape": t.shape.as_list() if t.shape.dims is not None else None}


def _write_family(name: str, out_dir: str) -> dict:
    """Builds one family, writes its three artifacts, and records TF's answers from each."""
    os.makedirs(os.path.join(out_dir, "checkpoint"), exist_ok=True)
    prefix = os.path.join(out_dir, "checkpoint", "model.ckpt")
    sm_dir = os.path.join(out_dir, "saved_model")
    graph, fam = _build(name, training=True)
    with graph.as_default():
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()
    training = fam.training
    inputs = {k: t.name for k, t in fam.inputs.items()}
    all_inputs = dict(inputs, **{k: t.name for k, t in training.inputs.items()})
    outputs = {k: t.name for k, t in fam.outputs.items()}
    init_names = [op.name for op in fam.init_ops]

    with tf.Session(graph=graph, config=session_config()) as sess:
        sess.run(init)
        sess.run(fam.init_ops)
        if fam.batch_norm_calibration:
            _calibrate_batch_norm(sess, graph, {all_inputs.get(k, k): v for k, v in fam.batch_norm_calibration.items()})
        saver.save(sess, prefix, write_state=False)
        frozen = tf.graph_util.convert_variables_to_constants(
            sess, graph.as_graph_def(), sorted({n.split(":")[0] for n in outputs.values()} | set(init_names)))
        with open(os.path.join(out_dir, "frozen.pb"), "wb") as f:
            f.write(frozen.SerializeToString(deterministic=True))
        live = {case: sess.run(outputs, _feed(graph, inputs, feeds)) for case, feeds in fam.inference_cases.items()}
    _export_serving(name, prefix, sm_dir, live)

    npz = NpzWriter()
    cases = {case: {k: npz.add(f"inference/{case}/{k}", v) for k, v in feeds.items()}
             for case, feeds in fam.inference_cases.items()}
    answers = {}
    for artifact, got in (("frozen", _outputs_of_frozen(out_dir, fam, inputs, outputs, init_names)),
                          ("checkpoint", _outputs_of_checkpoint(prefix, fam, inputs, outputs, init_names)),
                          ("saved_model", _outputs_of_saved_model(sm_dir, fam))):
        answers[artifact] = {case: {key: npz.add(f"outputs/{artifact}/{case}/{key}",
                                                 _assert_same(live[case][key], value, f"{name}: {artifact} {case} {key}"))
                                    for key, value in values.items()} for case, values in got.items()}

    meta = meta_graph_pb2.MetaGraphDef.FromString(open(prefix + ".meta", "rb").read())
    var_defs = _variable_defs(meta)
    batches = [{k: npz.add(f"train/batch{i}/{k}", v) for k, v in b.items()} for i, b in enumerate(training.batches)]
    runs = []
    for run in training.runs:
        losses, values = _train_from_checkpoint(prefix, fam, all_inputs, init_names, run, var_defs)
        again = _train_from_checkpoint(prefix, fam, all_inputs, init_names, run, var_defs)
        assert losses == again[0] and all(np.array_equal(values[k], again[1][k]) for k in values), \
            f"{name}/{run.name}: TF's training is not deterministic"
        chosen, omitted = _chosen_variables(var_defs, values)
        runs.append({
            "name": run.name, "feed_extra": run.feed_extra, "uses_tf_random": run.uses_tf_random, "note": run.note,
            "losses": losses, "losses_npz": npz.add(f"train/{run.name}/losses", np.array(losses, np.float32)),
            "variables": {d.variable_name: {"snapshot": d.snapshot_name, "shape": list(values[d.variable_name].shape),
                                            "dtype": str(values[d.variable_name].dtype),
                                            "npz": npz.add(f"variables/{run.name}/{d.variable_name}",
                                                           values[d.variable_name])} for d in chosen},
            "variables_omitted": omitted,
        })
    npz.write(os.path.join(out_dir, "answers.npz"))

    manifest = {
        "family": name,
        "description": " ".join(fam.description.split()),
        "notes": fam.notes,
        "tensorflow_version": tf.__version__,
        "variables": _variable_kinds(var_defs),
        "control_flow": "v2" if name in CONTROL_FLOW_V2_FAMILIES else "v1",
        "inputs": {k: _tensor_spec(t) for k, t in fam.inputs.items()},
        "training_inputs": {k: _tensor_spec(t) for k, t in training.inputs.items()},
        "outputs": outputs,
        "loss": training.loss.name,
        "train_op": training.train_op.name,
        "init_ops": init_names,
        "frozen": {"file": "frozen.pb"},
        "checkpoint": {"meta": "checkpoint/model.ckpt.meta", "prefix": "checkpoint/model.ckpt"},
        "saved_model": {"dir": "saved_model", "tags": ["serve"], "signature": "serving_default",
                        "inputs": _signature_tensors(sm_dir, "inputs"), "outputs": _signature_tensors(sm_dir, "outputs")},
        "inference_cases": cases,
        "answers": answers,
        "train_batches": batches,
        "training": runs,
        "all_variables": {d.variable_name: {"snapshot": d.snapshot_name, "trainable": d.trainable,
                                            "resource": d.is_resource} for d in var_defs},
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return manifest


def _calibrate_batch_norm(sess: tf.Session, graph: tf.Graph, feed: dict) -> None:
    """Sets each Keras BatchNormalization's moving mean/variance to the batch statistics its
    training-mode FusedBatchNormV3 computes on `feed` (outputs 1 and 2, fetched through the Merge
    of the learning-phase cond: ops inside a cond branch cannot be fetched), as BN re-estimation does."""
    ops = [op for op in graph.get_operations() if op.type == "FusedBatchNormV3" and op.get_attr("is_training")]
    assert ops, "no training-mode batch norm to calibrate"
    merged = lambda t: next(c for c in t.consumers() if c.type == "Merge").outputs[0]
    stats = sess.run({op.name: (merged(op.outputs[1]), merged(op.outputs[2])) for op in ops}, feed)
    variables = {v.op.name: v for v in graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)}
    for op in ops:
        layer = op.name.split("/")[0]
        mean, variance = stats[op.name]
        variables[layer + "/moving_mean"].load(mean, sess)
        variables[layer + "/moving_variance"].load(variance, sess)


def _export_serving(name: str, prefix: str, sm_dir: str, live: dict) -> None:
    """The SavedModel holds the serving graph (no labels, no optimizer), its variables restored from
    the checkpoint by name: how TF1 Estimators exported, and half the bytes of the training graph."""
    graph, fam = _build(name, training=False)
    with graph.as_default():
        saver = tf.train.Saver()
    with tf.Session(graph=graph, config=session_config()) as sess:
        saver.restore(sess, prefix)
        sess.run(fam.init_ops)
        inputs = {k: t.name for k, t in fam.inputs.items()}
        for case, feeds in fam.inference_cases.items():
            for key, value in sess.run({k: t.name for k, t in fam.outputs.items()}, _feed(graph, inputs, feeds)).items():
                _assert_same(live[case][key], value, f"{name}: serving graph {case} {key}")
        with graph.as_default():
            tf.saved_model.simple_save(sess, sm_dir, inputs=fam.inputs, outputs=fam.outputs,
                                       legacy_init_op=tf.group(*fam.init_ops) if fam.init_ops else None)


def _variable_kinds(var_defs: list) -> str:
    kinds = {"resource" if d.is_resource else "ref" for d in var_defs}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _assert_same(want, got, what: str) -> np.ndarray:
    """Reloaded artifacts must give the live session's answers (TF against itself: same kernels)."""
    want, got = np.asarray(want), np.asarray(got)
    assert want.shape == got.shape and want.dtype == got.dtype, what
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)
    return got


def _signature_tensors(sm_dir: str, side: str) -> dict[str, str]:
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(sm_dir, "saved_model.pb"), "rb").read())
    sig = sm.meta_graphs[0].signature_def["serving_default"]
    return {k: v.name for k, v in sorted(getattr(sig, side).items())}


def _outputs_of_frozen(out_dir, fam, inputs, outputs, init_names) -> dict:
    gd = tf.GraphDef.FromString(open(os.path.join(out_dir, "frozen.pb"), "rb").read())
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name="")
        with tf.Session(config=session_config()) as sess:
            sess.run(init_names)
            return {case: sess.run(outputs, _feed(g, inputs, feeds)) for case, feeds in fam.inference_cases.items()}


def _outputs_of_checkpoint(prefix, fam, inputs, outputs, init_names) -> dict:
    with tf.Graph().as_default() as g:
        saver = tf.train.import_meta_graph(prefix + ".meta")
        with tf.Session(config=session_config()) as sess:
            saver.restore(sess, prefix)
            sess.run(init_names)
            return {case: sess.run(outputs, _feed(g, inputs, feeds)) for case, feeds in fam.inference_cases.items()}


def _outputs_of_saved_model(sm_dir, fam) -> dict:
    with tf.Graph().as_default() as g:
        with tf.Session(config=session_config()) as sess:
            meta = tf.saved_model.loader.load(sess, ["serve"], sm_dir)
            sig = meta.signature_def["serving_default"]
            ins = {k: v.name for k, v in sig.inputs.items()}
            outs = {k: v.name for k, v in sig.outputs.items()}
            return {case: sess.run(outs, _feed(g, ins, feeds)) for case, feeds in fam.inference_cases.items()}


def _train_from_checkpoint(prefix, fam, inputs, init_names, run: TrainingRun, var_defs) -> tuple:
    """What a user does: import the meta graph, restore, run the train op on 3 batches; the loss is
    fetched in the same run as the train op (so it is the loss before that step's update)."""
    with tf.Graph().as_default() as g:
        saver = tf.train.import_meta_graph(prefix + ".meta")
        train_op = tf.get_collection("train_op")[0]
        assert train_op.name == fam.training.train_op.name
        with tf.Session(config=session_config()) as sess:
            saver.restore(sess, prefix)
            sess.run(init_names)
            losses = []
            for batch in fam.training.batches:
                loss, _ = sess.run([fam.training.loss.name, train_op], _feed(g, inputs, batch, run.feed_extra))
                losses.append(float(loss))
            values = sess.run({d.variable_name: d.snapshot_name for d in var_defs})
    return losses, {k: np.asarray(v) for k, v in values.items()}


# --- op facts for the gap report ---------------------------------------------------------------------
def _graph_defs_of(family_dir: str) -> list:
    graphs = [tf.GraphDef.FromString(open(os.path.join(family_dir, "frozen.pb"), "rb").read())]
    graphs.append(meta_graph_pb2.MetaGraphDef.FromString(
        open(os.path.join(family_dir, "checkpoint", "model.ckpt.meta"), "rb").read()).graph_def)
    sm = saved_model_pb2.SavedModel.FromString(open(os.path.join(family_dir, "saved_model", "saved_model.pb"), "rb").read())
    graphs.extend(m.graph_def for m in sm.meta_graphs)
    return graphs


def _op_facts(op_def) -> dict:
    """How an op type's arguments and attrs are typed: what decides which mechanism it needs."""
    from tensorflow.python.framework import dtypes

    def kinds(args):
        found = set()
        for a in args:
            if a.is_ref:
                found.add("ref")
            if a.type == dtypes.resource.as_datatype_enum:
                found.add("resource")
            if a.type == dtypes.variant.as_datatype_enum:
                found.add("variant")
            if a.type == dtypes.string.as_datatype_enum:
                found.add("string")
        return sorted(found)
    return {"inputs": kinds(op_def.input_arg), "outputs": kinds(op_def.output_arg),
            "function_attrs": sorted(a.name for a in op_def.attr if a.type in ("func", "list(func)")),
            "is_stateful": op_def.is_stateful}


def write_op_facts(zoo_dir: str) -> None:
    types = set()
    for family in sorted(os.listdir(zoo_dir)):
        d = os.path.join(zoo_dir, family)
        if not os.path.isfile(os.path.join(d, "manifest.json")):
            continue
        for gd in _graph_defs_of(d):
            types.update(n.op for n in gd.node)
            for fn in gd.library.function:
                types.update(n.op for n in fn.node_def)
    facts = {t: _op_facts(op_def_registry.get(t)) for t in sorted(types) if op_def_registry.get(t) is not None}
    with open(os.path.join(zoo_dir, "op_defs.json"), "w") as f:
        json.dump({"tensorflow_version": tf.__version__, "ops": facts}, f, indent=1, sort_keys=True)
        f.write("\n")


def _tree_size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


def generate(zoo_dir: str, only: list[str]) -> None:
    for name in only or FAMILIES:
        d = os.path.join(zoo_dir, name)
        shutil.rmtree(d, ignore_errors=True)
        _write_family(name, d)
        print(f"{name:22s} {_tree_size(d) / 1024:8.1f} KiB", flush=True)
    write_op_facts(zoo_dir)
    total = _tree_size(zoo_dir)
    print(f"total {total / 1024 / 1024:.2f} MiB (budget {SIZE_BUDGET_BYTES / 1024 / 1024:.0f} MiB)")
    assert total < SIZE_BUDGET_BYTES, "the zoo is over its size budget"


_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _graph_fingerprint(path: str) -> list:
    """A graph file's nodes and functions with TF's random table names blanked out; for meta graphs
    also the collection keys and sizes (while/cond context bytes are serialised in map order)."""
    data = open(path, "rb").read()
    if path.endswith("saved_model.pb"):
        metas = list(saved_model_pb2.SavedModel.FromString(data).meta_graphs)
    elif path.endswith(".meta"):
        metas = [meta_graph_pb2.MetaGraphDef.FromString(data)]
    else:
        return [_UUID.sub(b"<uuid>", tf.GraphDef.FromString(data).SerializeToString(deterministic=True))]
    out = []
    for m in metas:
        out.append(_UUID.sub(b"<uuid>", m.graph_def.SerializeToString(deterministic=True)))
        out.append(sorted((k, len(c.bytes_list.value) + len(c.node_list.value) + len(c.int64_list.value))
                          for k, c in m.collection_def.items()))
        out.append(sorted((k, v.SerializeToString(deterministic=True)) for k, v in m.signature_def.items()))
    return out


def _same_file(fresh: str, committed: str) -> bool:
    if not os.path.exists(committed):
        return False
    if fresh.endswith((".pb", ".meta")):
        return _graph_fingerprint(fresh) == _graph_fingerprint(committed)
    return filecmp.cmp(fresh, committed, shallow=False)


def check(only: list[str]) -> int:
    """Regenerates into a temporary directory and lists every file that differs (see the docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        differ = []
        for name in only or FAMILIES:
            _write_family(name, os.path.join(tmp, name))
        if not only:
            write_op_facts(tmp)
            if not filecmp.cmp(os.path.join(tmp, "op_defs.json"), os.path.join(ZOO, "op_defs.json"), shallow=False):
                differ.append("op_defs.json")
        for name in only or FAMILIES:
            for root, _, files in os.walk(os.path.join(tmp, name)):
                differ += [os.path.relpath(os.path.join(root, f), tmp) for f in files
                           if not _same_file(os.path.join(root, f), os.path.join(ZOO, os.path.relpath(
                               os.path.join(root, f), tmp)))]
            committed = os.path.join(ZOO, name)
            differ += [os.path.relpath(os.path.join(r, f), ZOO) for r, _, fs in os.walk(committed) for f in fs
                       if not os.path.exists(os.path.join(tmp, os.path.relpath(os.path.join(r, f), ZOO)))]
    for rel in differ:
        print("differs:", rel)
    print(f"{len(differ)} file(s) differ")
    return 1 if differ else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare bytes")
    parser.add_argument("--only", nargs="*", default=[], choices=sorted(FAMILIES), help="families to (re)write")
    args = parser.parse_args(argv)
    if args.check:
        return check(args.only)
    os.makedirs(ZOO, exist_ok=True)
    generate(ZOO, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
