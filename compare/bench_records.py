"""Input pipelines over TFRecords of tf.train.Examples: records/s read, parsed and batched.

The same file (N MNIST-sized Examples: 784 raw uint8 bytes + an int64 label; uncompressed or
GZIP) is read four ways, each to the end once, batch 64:

* torchgraph tf.data: TFRecordDataset -> map(parse_single_example + decode_raw) -> batch -> get_next
* torchgraph queues: string_input_producer -> TFRecordReader -> parse -> batch (a QueueRunner thread)
* eager PyTorch: a Python loop over the records (Example.FromString, np.frombuffer, torch.stack)
* real TF1, the same two graphs (in TF's own interpreter: TORCHGRAPH_TF_PYTHON, else
  /work/main/.venv-tf/bin/python; skipped when neither exists)

Prints a Markdown table with each figure's ratio to TF1's.

    .venv/bin/python compare/bench_records.py [--n 5000] [--compression GZIP]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import torchgraph as tg  # noqa: E402

BATCH = 64


def write_file(path: str, n: int, compression: str) -> None:
    rs = np.random.RandomState(0)
    with tg.io.TFRecordWriter(path, compression) as w:
        for i in range(n):
            ex = tg.train.Example(features=tg.train.Features(feature={
                "image_raw": tg.train.Feature(bytes_list=tg.train.BytesList(
                    value=[rs.randint(0, 256, 784, dtype=np.uint8).tobytes()])),
                "label": tg.train.Feature(int64_list=tg.train.Int64List(value=[i % 10]))}))
            w.write(ex.SerializeToString())


# The two graph pipelines, written once against the TF1 API (also run by real TF below).
PIPELINES = '''
def decode(tf, serialized):
    parsed = tf.parse_single_example(serialized, {"image_raw": tf.FixedLenFeature([], tf.string),
                                                  "label": tf.FixedLenFeature([], tf.int64)})
    image = tf.cast(tf.decode_raw(parsed["image_raw"], tf.uint8), tf.float32) * (1.0 / 255)
    image.set_shape([784])
    return image, parsed["label"]


def dataset_pipeline(tf, path, compression):
    ds = tf.data.TFRecordDataset(path, compression_type=compression).map(lambda s: decode(tf, s)).batch(64)
    return ds.make_one_shot_iterator().get_next()


def queue_pipeline(tf, path, compression):
    files = tf.train.string_input_producer([path], num_epochs=1, shuffle=False)
    _, serialized = tf.TFRecordReader(options=tf.python_io.TFRecordOptions(compression)).read(files)
    return tf.train.batch(list(decode(tf, serialized)), batch_size=64, allow_smaller_final_batch=True)


def records_per_second(tf, build, path, compression):
    import time
    with tf.Graph().as_default():
        images, labels = build(tf, path, compression)
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess, coord)
            n, t0 = 0, time.perf_counter()
            try:
                while True:
                    n += len(sess.run(labels))
            except tf.errors.OutOfRangeError:
                pass
            elapsed = time.perf_counter() - t0
            coord.request_stop()
            coord.join(threads)
    return n / elapsed
'''
_PIPES: dict = {}
exec(PIPELINES, _PIPES)  # noqa: S102 - defines decode / dataset_pipeline / queue_pipeline / records_per_second

_TF_SCRIPT = PIPELINES + '''
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
path, compression = sys.argv[1], sys.argv[2]
print(json.dumps({"data": records_per_second(tf, dataset_pipeline, path, compression),
                  "queues": records_per_second(tf, queue_pipeline, path, compression)}))
'''


def eager_torch(path: str, compression: str) -> float:
    t0, n, images, labels = time.perf_counter(), 0, [], []
    for record in tg.io.tf_record_iterator(path, compression):
        ex = tg.train.Example.FromString(record)
        f = ex.features.feature
        images.append(torch.from_numpy(np.frombuffer(f["image_raw"].bytes_list.value[0], np.uint8).copy()))
        labels.append(f["label"].int64_list.value[0])
        if len(images) == BATCH:
            _ = torch.stack(images).float() * (1.0 / 255), torch.tensor(labels)
            n, images, labels = n + BATCH, [], []
    if images:
        _ = torch.stack(images).float() * (1.0 / 255), torch.tensor(labels)
        n += len(images)
    return n / (time.perf_counter() - t0)


def tf1(path: str, compression: str) -> dict | None:
    python = os.environ.get("TORCHGRAPH_TF_PYTHON") or "/work/main/.venv-tf/bin/python"
    if not os.path.exists(python):
        return None
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", TF_USE_LEGACY_KERAS="1")
    out = subprocess.run([python, "-c", _TF_SCRIPT, path, compression], capture_output=True, text=True, env=env,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--compression", default="", choices=["", "ZLIB", "GZIP"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.tfrecord")
        write_file(path, args.n, args.compression)
        rate = _PIPES["records_per_second"]
        ours = {"data": rate(tg, _PIPES["dataset_pipeline"], path, args.compression),
                "queues": rate(tg, _PIPES["queue_pipeline"], path, args.compression)}
        eager = eager_torch(path, args.compression)
        theirs = tf1(path, args.compression)
    print(f"{args.n} Examples, compression {args.compression or 'none'}, batch {BATCH}; records/s "
          f"(ratio to TF1)\n")
    print("| pipeline | torchgraph | eager PyTorch loop | TF1 |")
    print("| --- | --- | --- | --- |")
    for key, label in (("data", "TFRecordDataset + map(parse) + batch"),
                       ("queues", "string_input_producer + TFRecordReader + batch")):
        tf_rate = theirs[key] if theirs else None
        ratio = f" ({ours[key] / tf_rate:.2f}x)" if tf_rate else ""
        eager_col = f"{eager:,.0f}" + (f" ({eager / tf_rate:.2f}x)" if tf_rate else "")
        print(f"| {label} | {ours[key]:,.0f}{ratio} | {eager_col} | "
              f"{f'{tf_rate:,.0f}' if tf_rate else 'n/a'} |")


if __name__ == "__main__":
    main()
