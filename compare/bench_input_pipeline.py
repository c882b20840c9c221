"""Input-pipeline throughput: decode + augment JPEGs, batch 64, feeding a small CNN training step.

The pipeline and the model are written once against the TF1 API (`build_pipeline`, `build_model`)
and built by torchgraph here and by real TensorFlow in a worker process, on the same JPEGs:

    TFRecordDataset -> repeat -> map(parse_single_example, decode_jpeg, random_crop, random_flip_left_right,
                                     convert_image_dtype, per_image_standardization; num_parallel_calls)
                    -> batch(64) [-> prefetch]

The source is TFRecord files of `tf.train.Example`s when torchgraph has `TFRecordDataset` and
`parse_single_example` (TF writes the files), else the encoded JPEG bytes in memory through
`from_tensor_slices` (both frameworks use the same source, named in the output).  Reported:
images/s of training steps (input + step) and of the input pipeline alone, for a single-threaded
pipeline (no num_parallel_calls, no prefetch), num_parallel_calls=1/2/AUTOTUNE with prefetch, and
TF1 for the same settings.  Each figure is the median of rounds that measure every setting in turn
(a fresh graph and Session each time, 3 warm-up steps); the machine is shared, expect noise.

    .venv/bin/python compare/bench_input_pipeline.py [--steps 20] [--rounds 5] [--tf-python /work/main/.venv-tf/bin/python]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 64
IMAGE = 96          # encoded JPEG side
CROP = 80           # random crop side
N_IMAGES = 512
SETTINGS = [("single-threaded (map, no prefetch)", None, None),
            ("num_parallel_calls=1 + prefetch", 1, "auto"),
            ("num_parallel_calls=2 + prefetch", 2, "auto"),
            ("num_parallel_calls=AUTOTUNE + prefetch", "auto", "auto")]


# --- written once, built by both frameworks ------------------------------------------------------------
def build_pipeline(tf, source, calls, prefetch):
    """(images [64, CROP, CROP, 3] float32, labels [64] int64) from `source` (a dict describing it)."""
    autotune = tf.data.experimental.AUTOTUNE
    if source["kind"] == "tfrecord":
        ds = tf.data.TFRecordDataset(source["files"])
    else:
        ds = tf.data.Dataset.from_tensor_slices((source["jpegs"], source["labels"]))

    def augment(*element):
        if source["kind"] == "tfrecord":  # the parse runs in the (parallel) map too, as usual
            f = tf.parse_single_example(element[0], {"image": tf.FixedLenFeature([], tf.string),
                                                     "label": tf.FixedLenFeature([], tf.int64)})
            jpeg, label = f["image"], f["label"]
        else:
            jpeg, label = element
        image = tf.image.decode_jpeg(jpeg, channels=3)
        image = tf.image.random_crop(image, [CROP, CROP, 3])
        image = tf.image.random_flip_left_right(image)
        image = tf.image.convert_image_dtype(image, tf.float32)
        image = tf.image.per_image_standardization(image)
        return image, label
    ds = ds.repeat()
    ds = ds.map(augment) if calls is None else ds.map(augment, num_parallel_calls=autotune if calls == "auto" else calls)
    ds = ds.batch(BATCH, drop_remainder=True)
    if prefetch is not None:
        ds = ds.prefetch(autotune if prefetch == "auto" else prefetch)
    return tf.data.make_one_shot_iterator(ds).get_next()


def build_model(tf, images, labels):
    """A small CNN (4x4 average pool, a 3x3 conv with 8 filters, max pool, one dense layer), one Adam
    step: small enough that the input pipeline, not the step, bounds a single-threaded run."""
    h = tf.layers.average_pooling2d(images, 4, 4)
    h = tf.layers.conv2d(h, 8, 3, activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    logits = tf.layers.dense(tf.layers.flatten(h), 10)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    return tf.train.AdamOptimizer(1e-3).minimize(loss)


def measure_once(tf, source, calls, prefetch, what: str, steps: int) -> float:
    """images/s over `steps` runs of a fresh graph and Session (after 3 warm-up runs)."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        images, labels = build_pipeline(tf, source, calls, prefetch)
        fetch = build_model(tf, images, labels) if what == "train" else [images, labels]
        init = tf.global_variables_initializer()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        for _ in range(3):
            sess.run(fetch)
        t0 = time.perf_counter()
        for _ in range(steps):
            sess.run(fetch)
        return steps * BATCH / (time.perf_counter() - t0)


def run_all(tf, source, steps: int, rounds: int) -> list:
    """Median images/s per setting; each round measures every setting once, in turn, so a burst of
    load from other work on the machine lands on all of them alike."""
    rates: dict = {(k, what): [] for k in range(len(SETTINGS)) for what in ("train", "input")}
    for _ in range(rounds):
        for (k, what), got in rates.items():
            _, calls, prefetch = SETTINGS[k]
            got.append(measure_once(tf, source, calls, prefetch, what, steps))
    return [dict(setting=label, train=statistics.median(rates[k, "train"]), input=statistics.median(rates[k, "input"]))
            for k, (label, _, _) in enumerate(SETTINGS)]


# --- data ------------------------------------------------------------------------------------------------
def make_jpegs(n: int) -> tuple[list, np.ndarray]:
    """`n` synthetic photos (gradients, blobs and noise) as JPEG bytes, 4:2:0 quality 90."""
    from PIL import Image
    rs = np.random.RandomState(0)
    y, x = np.mgrid[0:IMAGE, 0:IMAGE].astype(np.float32)
    jpegs = []
    for _ in range(n):
        a, b, c = rs.rand(3) * 6 + 2
        img = np.stack([128 + 100 * np.sin(x / (a * 3)), 128 + 100 * np.cos(y / (b * 3)),
                        128 + 100 * np.sin((x + y) / (c * 4))], -1) + rs.randn(IMAGE, IMAGE, 3) * 12
        buf = io.BytesIO()
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
        jpegs.append(buf.getvalue())
    return jpegs, rs.randint(0, 10, n).astype(np.int64)


def write_tfrecords(tf, data_dir: str, jpegs: list, labels: np.ndarray) -> list:
    """4 TFRecord files of tf.train.Examples {image: JPEG bytes, label: int64}, with either framework."""
    files = [os.path.join(data_dir, f"images-{k}.tfrecord") for k in range(4)]
    writers = [tf.python_io.TFRecordWriter(f) for f in files]
    for i, (j, label) in enumerate(zip(jpegs, labels)):
        ex = tf.train.Example(features=tf.train.Features(feature={
            "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[j])),
            "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))}))
        writers[i % 4].write(ex.SerializeToString())
    for w in writers:
        w.close()
    return files


def tf_worker(data_dir: str, kind: str, steps: int, rounds: int) -> None:
    """Runs under real TensorFlow: writes the TFRecords (if asked) and measures every setting."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    with np.load(os.path.join(data_dir, "jpegs.npz"), allow_pickle=False) as z:
        jpegs = [z[f"j{i}"].tobytes() for i in range(len(z.files) - 1)]
        labels = z["labels"]
    if kind == "tfrecord":
        source = {"kind": "tfrecord", "files": write_tfrecords(tf, data_dir, jpegs, labels)}
    else:
        source = {"kind": "memory", "jpegs": np.array(jpegs, dtype=object), "labels": labels}
    print(json.dumps(run_all(tf, source, steps, rounds)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="64 images, 1 step, 1 round: checks that it runs")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--tf-python", default=os.environ.get("TORCHGRAPH_TF_PYTHON", "/work/main/.venv-tf/bin/python"))
    p.add_argument("--tf-worker", nargs=2, metavar=("DATA_DIR", "KIND"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        args.steps, args.rounds = 1, 1
    if args.tf_worker:
        tf_worker(*args.tf_worker, args.steps, args.rounds)
        return
    sys.path.insert(0, ROOT)
    import torch

    import torchgraph as tg
    jpegs, labels = make_jpegs(BATCH if args.quick else N_IMAGES)
    kind = "tfrecord" if hasattr(tg.data, "TFRecordDataset") and hasattr(tg, "parse_single_example") else "memory"
    with tempfile.TemporaryDirectory() as d:
        np.savez(os.path.join(d, "jpegs.npz"), labels=labels,
                 **{f"j{i}": np.frombuffer(j, dtype=np.uint8) for i, j in enumerate(jpegs)})
        tf_rows = None
        if args.tf_python and os.path.exists(args.tf_python) and not args.quick:
            env = dict(os.environ, TF_USE_LEGACY_KERAS="1", CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="3")
            proc = subprocess.run([args.tf_python, os.path.abspath(__file__), "--tf-worker", d, kind,
                                   "--steps", str(args.steps), "--rounds", str(args.rounds)],
                                  capture_output=True, text=True, env=env, timeout=1800)
            if proc.returncode == 0:
                tf_rows = json.loads(proc.stdout.strip().splitlines()[-1])
            else:
                print("TF worker failed:", proc.stderr[-2000:], file=sys.stderr)
        if kind == "tfrecord" and tf_rows is None:  # no TF to write the files: torchgraph writes them
            write_tfrecords(tg, d, jpegs, labels)
        if kind == "tfrecord":
            source = {"kind": kind, "files": [os.path.join(d, f"images-{k}.tfrecord") for k in range(4)]}
        else:
            source = {"kind": kind, "jpegs": np.array(jpegs, dtype=object), "labels": labels}
        ours = run_all(tg, source, args.steps, args.rounds)
    base = ours[0]
    print(f"source: {kind}; {len(jpegs)} JPEGs {IMAGE}x{IMAGE} 4:2:0, crop {CROP}, batch {BATCH}; "
          f"{os.cpu_count()} CPUs, torch {torch.__version__} ({torch.get_num_threads()} threads)\n")
    print("| pipeline | torchgraph train img/s | vs single-threaded | torchgraph input-only img/s | "
          "TF1 train img/s | TF1 input-only img/s | torchgraph / TF1 (train) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for k, row in enumerate(ours):
        t = tf_rows[k] if tf_rows else None
        tf_cols = f"{t['train']:.0f} | {t['input']:.0f} | {row['train'] / t['train']:.2f}x" if t else "- | - | -"
        print(f"| {row['setting']} | {row['train']:.0f} | {row['train'] / base['train']:.2f}x | {row['input']:.0f} | "
              f"{tf_cols} |")


if __name__ == "__main__":
    main()
