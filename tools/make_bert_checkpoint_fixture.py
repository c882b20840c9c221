"""Writes tests/fixtures/tf_bert_checkpoint/: a tiny BERT-style encoder checkpoint saved by real TF.

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/make_bert_checkpoint_fixture.py

The graph follows google-research/bert's variable layout (`bert/embeddings/word_embeddings`,
`bert/encoder/layer_0/attention/self/query/kernel`, `.../LayerNorm/gamma`, `bert/pooler/dense`),
at toy sizes (vocab 20, hidden 8, 2 heads, 2 layers, intermediate 16).  One Adam step is taken so
the checkpoint also holds what converters must skip: TF1 Adam slots (`.../Adam`, `.../Adam_1`),
`beta1_power`, `beta2_power`, `global_step`, and BERT's own `adam_m` / `adam_v` slots.  It is
saved as `model.ckpt-1` with a `checkpoint` file; `answers.npz` holds fixed token ids and TF's
sequence and pooled outputs for them with the saved values.  tests/export/test_load_tf_checkpoint.py
loads it into a hand-written torch module.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "tf_bert_checkpoint"
VOCAB, HIDDEN, HEADS, LAYERS, INTERMEDIATE, MAX_POS = 20, 8, 2, 2, 16, 16


def build(tf, ids):
    init = lambda: tf.truncated_normal_initializer(stddev=0.3)  # noqa: E731

    def layer_norm(x, name):
        with tf.variable_scope(name):
            gamma = tf.get_variable("gamma", [HIDDEN], initializer=tf.random_normal_initializer(1.0, 0.1))
            beta = tf.get_variable("beta", [HIDDEN], initializer=tf.random_normal_initializer(0.0, 0.1))
            mean, var = tf.nn.moments(x, [-1], keep_dims=True)
            return (x - mean) * tf.rsqrt(var + 1e-12) * gamma + beta

    def dense(x, units, name, activation=None):
        return tf.layers.dense(x, units, activation=activation, name=name, kernel_initializer=init(),
                               bias_initializer=tf.random_normal_initializer(0.0, 0.1))

    gelu = lambda x: 0.5 * x * (1.0 + tf.erf(x / np.sqrt(2.0).astype(np.float32)))  # noqa: E731
    batch, seq = ids.shape
    with tf.variable_scope("bert"):
        with tf.variable_scope("embeddings"):
            words = tf.get_variable("word_embeddings", [VOCAB, HIDDEN], initializer=init())
            positions = tf.get_variable("position_embeddings", [MAX_POS, HIDDEN], initializer=init())
            h = tf.gather(words, ids) + positions[:seq][None]
            h = layer_norm(h, "LayerNorm")
        with tf.variable_scope("encoder"):
            h2 = tf.reshape(h, [-1, HIDDEN])
            for i in range(LAYERS):
                with tf.variable_scope(f"layer_{i}"):
                    with tf.variable_scope("attention"):
                        with tf.variable_scope("self"):
                            def heads(t):
                                return tf.transpose(tf.reshape(t, [batch, seq, HEADS, HIDDEN // HEADS]), [0, 2, 1, 3])
                            q = heads(dense(h2, HIDDEN, "query"))
                            k = heads(dense(h2, HIDDEN, "key"))
                            v = heads(dense(h2, HIDDEN, "value"))
                            scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(HIDDEN // HEADS).astype(np.float32)
                            ctx = tf.matmul(tf.nn.softmax(scores), v)
                            ctx = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [-1, HIDDEN])
                        with tf.variable_scope("output"):
                            att = layer_norm(dense(ctx, HIDDEN, "dense") + h2, "LayerNorm")
                    with tf.variable_scope("intermediate"):
                        mid = dense(att, INTERMEDIATE, "dense", activation=gelu)
                    with tf.variable_scope("output"):
                        h2 = layer_norm(dense(mid, HIDDEN, "dense") + att, "LayerNorm")
            sequence = tf.reshape(h2, [batch, seq, HIDDEN])
        with tf.variable_scope("pooler"):
            pooled = dense(sequence[:, 0], HIDDEN, "dense", activation=tf.tanh)
    return sequence, pooled


def main() -> int:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    rs = np.random.RandomState(16)
    ids = rs.randint(0, VOCAB, size=(2, 6)).astype(np.int32)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    with tf.Graph().as_default():
        tf.set_random_seed(16)
        sequence, pooled = build(tf, ids)
        step = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.01).minimize(tf.reduce_sum(tf.square(pooled)), global_step=step)
        # BERT's AdamWeightDecayOptimizer names its slots adam_m / adam_v next to the variable.
        for v in tf.trainable_variables()[:2]:
            for slot in ("adam_m", "adam_v"):
                tf.get_variable(v.op.name + "/" + slot, v.shape, trainable=False,
                                initializer=tf.constant_initializer(0.5))
        saver = tf.train.Saver(save_relative_paths=True)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            seq_out, pooled_out = sess.run([sequence, pooled])
            saver.save(sess, str(OUT / "model.ckpt"), global_step=step, write_meta_graph=False)
    np.savez(OUT / "answers.npz", token_ids=ids, sequence_output=seq_out, pooled_output=pooled_out)
    print("wrote", sorted(p.name for p in OUT.iterdir()), sum(p.stat().st_size for p in OUT.iterdir()), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
