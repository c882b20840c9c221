"""tf.estimator.Estimator end to end: train N steps, resume M more from model_dir, evaluate,
predict, export a SavedModel that real TensorFlow loads and serves.

The model is linear regression with zero-initialised weights and unshuffled batches, so every
number can be recomputed with numpy from the checkpoints the Estimator wrote: "the same graph run
by hand".
"""
from __future__ import annotations

import glob
import json
import os

import numpy as np
import pytest

import torchgraph as tf
from tf_reference import run_tf, tf_python

LR = 0.1
BATCH = 16
RS = np.random.RandomState(0)
X = RS.randn(64, 3).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)


def model_fn(features, labels, mode, params):
    pred = tf.layers.dense(features["x"], 1, kernel_initializer=tf.zeros_initializer(), name="dense")
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": pred, "twice": 2.0 * pred})
    loss = tf.reduce_mean(tf.square(pred - labels))
    train_op = tf.train.GradientDescentOptimizer(params["lr"]).minimize(loss, global_step=tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                      eval_metric_ops={"mae": tf.metrics.mean_absolute_error(labels, pred)})


def train_input(num_epochs=None):
    return tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=BATCH, num_epochs=num_epochs, shuffle=False)


def make_estimator(model_dir, **config):
    config.setdefault("save_checkpoints_steps", 1000)
    return tf.estimator.Estimator(model_fn, model_dir=str(model_dir), params={"lr": LR},
                                  config=tf.estimator.RunConfig(**config))


def weights_at(model_dir, step):
    reader = tf.train.NewCheckpointReader(os.path.join(str(model_dir), f"model.ckpt-{step}"))
    return reader.get_tensor("dense/kernel"), reader.get_tensor("dense/bias")


def sgd_by_hand(w, b, steps):
    """`steps` gradient-descent steps on the unshuffled batches, from the first batch."""
    w, b = w.astype(np.float64), b.astype(np.float64)
    for i in range(steps):
        start = (i * BATCH) % len(X)
        x, y = X[start:start + BATCH].astype(np.float64), Y[start:start + BATCH].astype(np.float64)
        err = x @ w + b - y
        w = w - LR * 2 * x.T @ err / len(x)
        b = b - LR * 2 * err.mean(0)
    return w, b


def test_train_resume_evaluate_predict_export(tmp_path):
    est = make_estimator(tmp_path)
    est.train(train_input(), steps=6)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-6")
    w6, b6 = weights_at(tmp_path, 6)
    np.testing.assert_allclose(w6, sgd_by_hand(np.zeros((3, 1)), np.zeros(1), 6)[0], rtol=1e-5)

    # A new Estimator on the same model_dir resumes: 4 more steps start from checkpoint 6's values
    # (the input_fn starts its data again, as in TF).
    est = make_estimator(tmp_path)
    est.train(train_input(), steps=4)
    w10, b10 = weights_at(tmp_path, 10)
    hand_w, hand_b = sgd_by_hand(w6, b6, 4)
    np.testing.assert_allclose(w10, hand_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b10, hand_b, rtol=1e-5, atol=1e-6)
    est.train(train_input(), max_steps=10)  # already there: skipped
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-10")
    assert est.get_variable_value("global_step") == 10
    assert "dense/kernel" in est.get_variable_names()

    # evaluate: the metrics of the graph run by hand over the 4 batches of one epoch.
    results = est.evaluate(train_input(num_epochs=1))
    pred = X @ w10 + b10
    batch_losses = [np.mean(np.square(pred[i:i + BATCH] - Y[i:i + BATCH])) for i in range(0, len(X), BATCH)]
    assert results["global_step"] == 10
    assert results["loss"] == pytest.approx(np.mean(batch_losses), rel=1e-5)
    assert results["mae"] == pytest.approx(np.mean(np.abs(pred - Y)), rel=1e-5)
    assert sorted(results) == ["global_step", "loss", "mae"]
    # ... written where TensorBoard shows them: model_dir/eval
    tags = {}
    for path in glob.glob(str(tmp_path / "eval" / "events.out.tfevents.*")):
        for event in tf.train.summary_iterator(path):
            for value in event.summary.value:
                tags[value.tag] = (event.step, value.simple_value)
    assert tags["loss"] == (10, pytest.approx(results["loss"]))
    assert tags["mae"] == (10, pytest.approx(results["mae"]))
    assert "checkpoint_path" in tags
    # evaluate(steps=2) stops after two batches
    two = est.evaluate(train_input(num_epochs=1), steps=2, name="two")
    assert two["loss"] == pytest.approx(np.mean(batch_losses[:2]), rel=1e-5)
    assert os.path.isdir(tmp_path / "eval_two")

    # predict: one dict per example; predict_keys picks outputs
    predictions = list(est.predict(tf.estimator.inputs.numpy_input_fn({"x": X[:5]}, batch_size=2, shuffle=False)))
    assert len(predictions) == 5 and sorted(predictions[0]) == ["twice", "y"]
    np.testing.assert_allclose(np.stack([p["y"] for p in predictions]), pred[:5], rtol=1e-5)
    only_y = next(est.predict(tf.estimator.inputs.numpy_input_fn({"x": X[:1]}, shuffle=False), predict_keys=["y"]))
    assert sorted(only_y) == ["y"]

    # export, then real TF loads the SavedModel and serves its signature
    receiver_fn = tf.estimator.export.build_raw_serving_input_receiver_fn(
        {"x": tf.placeholder(tf.float32, [None, 3], name="x")})
    export_dir = est.export_saved_model(str(tmp_path / "export"), receiver_fn)
    assert isinstance(export_dir, bytes) and os.path.exists(os.path.join(export_dir, b"saved_model.pb"))
    assert os.listdir(tmp_path / "export") == [os.path.basename(export_dir).decode()]  # the temp dir is gone
    with tf.Graph().as_default(), tf.Session() as sess:  # and torchgraph's own loader
        meta = tf.saved_model.loader.load(sess, ["serve"], export_dir.decode())
        sig = meta.signature_def["serving_default"]
        ours = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: X[:5]})
    np.testing.assert_allclose(ours, pred[:5], rtol=1e-5)
    kernel = check_tensorflow_serves(export_dir.decode(), X[:5], pred[:5], str(tmp_path))
    np.testing.assert_array_equal(kernel, w10)  # TF reads the model_dir's checkpoints too


def check_tensorflow_serves(export_dir: str, x: np.ndarray, expected: np.ndarray, model_dir: str) -> np.ndarray:
    """Real TF loads and serves the SavedModel; returns dense/kernel as TF reads it from model_dir."""
    python = tf_python()
    script = r'''
import json, sys
import numpy as np
import tensorflow as tf2
import tensorflow.compat.v1 as tf
export_dir, x = sys.argv[1], np.array(json.loads(sys.argv[2]), np.float32)
out = {}
with tf.Graph().as_default(), tf.Session() as sess:         # TF1's loader
    meta = tf.saved_model.loader.load(sess, ["serve"], export_dir)
    sig = meta.signature_def["serving_default"]
    out["method"] = sig.method_name
    out["inputs"] = sorted(sig.inputs)
    out["outputs"] = sorted(sig.outputs)
    out["v1"] = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: x}).tolist()
served = tf2.saved_model.load(export_dir).signatures["serving_default"]   # what a server calls
out["v2"] = served(x=tf2.constant(x))["y"].numpy().tolist()
out["kernel"] = tf.train.load_variable(sys.argv[3], "dense/kernel").tolist()
print(json.dumps(out))
'''
    out = json.loads(run_tf(python, script, export_dir, json.dumps(x.tolist()), model_dir).splitlines()[-1])
    assert out["method"] == "tensorflow/serving/predict"
    assert out["inputs"] == ["x"] and out["outputs"] == ["twice", "y"]
    np.testing.assert_allclose(np.array(out["v1"]), expected, rtol=1e-5)
    np.testing.assert_allclose(np.array(out["v2"]), expected, rtol=1e-5)
    return np.array(out["kernel"], dtype=np.float32)


def test_tensorboard_sees_a_train_run_and_an_eval_run(tmp_path):
    """TensorBoard's own loader finds model_dir's two runs: training (loss every save_summary_steps,
    global_step/sec) and eval (the metrics at the evaluated step), as with TF's Estimator."""
    from tensorboard.backend.event_processing import event_multiplexer
    est = make_estimator(tmp_path, save_summary_steps=2, log_step_count_steps=2)
    est.train(train_input(), steps=4)
    est.evaluate(train_input(num_epochs=1))
    tf.summary.FileWriterCache.clear()  # flush and close the writers, as at program exit
    mux = event_multiplexer.EventMultiplexer().AddRunsFromDirectory(str(tmp_path))
    mux.Reload()
    runs = mux.Runs()
    assert sorted(runs) == [".", "eval"]
    assert [e.step for e in mux.Scalars(".", "loss")] == [1, 3]
    assert [e.step for e in mux.Scalars(".", "global_step/sec")] == [3]
    assert [e.step for e in mux.Scalars("eval", "mae")] == [4]
    assert [e.step for e in mux.Scalars("eval", "loss")] == [4]
    assert runs["."]["graph"]


def test_warm_start_from_another_model_dir(tmp_path):
    source = make_estimator(tmp_path / "source")
    source.train(train_input(), steps=3)
    w3, b3 = weights_at(tmp_path / "source", 3)
    target = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path / "target"), params={"lr": LR},
                                    warm_start_from=str(tmp_path / "source"))
    target.train(train_input(), steps=1)
    w0, b0 = weights_at(tmp_path / "target", 0)  # saved at session start: the warm-started values
    np.testing.assert_array_equal(w0, w3)
    np.testing.assert_array_equal(b0, b3)
    assert target.get_variable_value("global_step") == 1  # the step is not warm-started


def test_train_and_evaluate_evaluates_each_checkpoint(tmp_path):
    est = make_estimator(tmp_path, save_checkpoints_steps=4)
    train_spec = tf.estimator.TrainSpec(train_input(), max_steps=8)
    receiver_fn = tf.estimator.export.build_raw_serving_input_receiver_fn(
        {"x": tf.placeholder(tf.float32, [None, 3], name="x")})
    exporters = [tf.estimator.FinalExporter("final", receiver_fn),
                 tf.estimator.LatestExporter("latest", receiver_fn, exports_to_keep=1)]
    eval_spec = tf.estimator.EvalSpec(train_input(num_epochs=1), steps=None, throttle_secs=0, exporters=exporters)
    metrics, exports = tf.estimator.train_and_evaluate(est, train_spec, eval_spec)
    assert metrics["global_step"] == 8
    assert len(exports) == 2 and all(os.path.exists(os.path.join(e, b"saved_model.pb")) for e in exports)
    assert len(os.listdir(tmp_path / "export" / "final")) == 1
    assert len(os.listdir(tmp_path / "export" / "latest")) == 1  # the older export was removed
    with pytest.raises(ValueError, match="unique names"):
        tf.estimator.EvalSpec(train_input(), exporters=[exporters[0], exporters[0]])
    steps = sorted({e.step for p in glob.glob(str(tmp_path / "eval" / "events.*"))
                    for e in tf.train.summary_iterator(p) if e.summary.value})
    assert steps == [4, 8]


def test_dataset_input_fn_and_input_ending_stops_training(tmp_path):
    def input_fn():
        return tf.data.Dataset.from_tensor_slices(({"x": X}, Y)).batch(BATCH)  # one epoch: 4 batches
    est = make_estimator(tmp_path)
    est.train(input_fn)
    assert est.get_variable_value("global_step") == 4


def test_tensorflows_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="must include features argument"):
        tf.estimator.Estimator(lambda inputs, labels: None, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="does not include params argument"):
        tf.estimator.Estimator(lambda features, labels: None, model_dir=str(tmp_path), params={"a": 1})
    with pytest.raises(ValueError, match="has following not expected args"):
        tf.estimator.Estimator(lambda features, other: None, model_dir=str(tmp_path))
    est = make_estimator(tmp_path)
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        est.train(train_input(), steps=1, max_steps=1)
    with pytest.raises(ValueError, match="Must specify steps > 0"):
        est.train(train_input(), steps=0)
    with pytest.raises(ValueError, match="Couldn't find trained model"):
        est.export_saved_model(str(tmp_path / "e"), lambda: None)
    with pytest.raises(ValueError, match="shuffle must be provided"):
        tf.estimator.inputs.numpy_input_fn({"x": X})
    with pytest.raises(AttributeError, match="torchgraph does not implement tf.estimator.DNNClassifier"):
        tf.estimator.DNNClassifier  # noqa: B018


def test_estimator_spec_checks_what_tensorflow_checks():
    loss = tf.constant(1.0)
    with pytest.raises(ValueError, match="Missing loss"):
        tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.TRAIN, train_op=tf.no_op())
    with pytest.raises(ValueError, match="Missing train_op"):
        tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.TRAIN, loss=loss)
    with pytest.raises(ValueError, match="Missing predictions"):
        tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.PREDICT)
    with pytest.raises(ValueError, match="Loss must be scalar"):
        tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.EVAL, loss=tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"\(metric_value, update_op\) tuples"):
        tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.EVAL, loss=loss, eval_metric_ops={"m": loss})
    spec = tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.EVAL, loss=tf.constant([[3.0]]))
    assert spec.loss.shape.as_list() == []  # reshaped to a scalar, as TF
    predict = tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.PREDICT, predictions={"p": loss})
    assert list(predict.export_outputs) == ["serving_default"]
    assert tf.estimator.ModeKeys.PREDICT == "infer"


def regression_model_fn(features, labels, mode):
    """model_fn with a second export output: a `regress` signature over serialized Examples."""
    pred = tf.layers.dense(features["x"], 1, kernel_initializer=tf.zeros_initializer(), name="dense")
    if mode == tf.estimator.ModeKeys.PREDICT:
        value = tf.reshape(pred, [-1])
        return tf.estimator.EstimatorSpec(mode, predictions={"y": pred}, export_outputs={
            "serving_default": tf.estimator.export.PredictOutput({"y": pred}),
            "regress": tf.estimator.export.RegressionOutput(value)})
    loss = tf.reduce_mean(tf.square(pred - labels))
    train_op = tf.train.GradientDescentOptimizer(LR).minimize(loss, global_step=tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


def test_export_with_parsing_receiver_serves_regress_in_tensorflow(tmp_path):
    est = tf.estimator.Estimator(regression_model_fn, model_dir=str(tmp_path))
    est.train(train_input(), steps=3)
    w, b = weights_at(tmp_path, 3)
    receiver_fn = tf.estimator.export.build_parsing_serving_input_receiver_fn(
        {"x": tf.FixedLenFeature([3], tf.float32)})
    export_dir = est.export_saved_model(str(tmp_path / "export"), receiver_fn).decode()
    examples = [tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=row.tolist()))})).SerializeToString()
        for row in X[:4]]
    expected = (X[:4] @ w + b).reshape(-1)
    python = tf_python()
    script = r'''
import json, sys
import tensorflow.compat.v1 as tf
export_dir, examples = sys.argv[1], [bytes.fromhex(h) for h in json.loads(sys.argv[2])]
with tf.Graph().as_default(), tf.Session() as sess:
    meta = tf.saved_model.loader.load(sess, ["serve"], export_dir)
    sig = meta.signature_def["regress"]
    out = sess.run(sig.outputs["outputs"].name, {sig.inputs["inputs"].name: examples})
    print(json.dumps({"method": sig.method_name, "keys": sorted(meta.signature_def), "out": out.tolist()}))
'''
    out = json.loads(run_tf(python, script, export_dir, json.dumps([e.hex() for e in examples])).splitlines()[-1])
    assert out["method"] == "tensorflow/serving/regress"
    assert out["keys"] == ["regress", "serving_default"]
    np.testing.assert_allclose(np.array(out["out"]).reshape(-1), expected, rtol=1e-5)


def test_training_logs_tensorflows_lines(tmp_path, caplog):
    import logging
    caplog.set_level(logging.INFO, logger="tensorflow")
    est = make_estimator(tmp_path, log_step_count_steps=2)
    est.train(train_input(), steps=3)
    messages = [r.getMessage() for r in caplog.records if r.name == "tensorflow"]
    losses = [m for m in messages if m.startswith("loss = ")]
    value, step = losses[0][len("loss = "):].split(", ")
    assert step == "step = 1" and float(value) == pytest.approx(np.mean(np.square(Y[:BATCH])), rel=1e-6)
    assert losses[1].startswith("loss = ") and losses[1].split(", ")[1].startswith("step = 3 (")
    assert any(m.startswith("global_step/sec: ") for m in messages)
    assert messages[-1].startswith("Loss for final step: ")
    assert "Saving checkpoints for 3 into %s." % os.path.join(str(tmp_path), "model.ckpt") in messages


def test_predict_warns_when_its_input_never_ends(tmp_path, caplog):
    import logging
    caplog.set_level(logging.WARNING, logger="tensorflow")
    est = make_estimator(tmp_path)
    est.train(train_input(), steps=1)
    first = next(est.predict(lambda: {"x": tf.constant(X[:2])}))
    assert first["y"].shape == (1,)
    assert any("predict yields forever" in r.getMessage() for r in caplog.records)


def test_model_fn_config_train_hooks_and_export_savedmodel(tmp_path):
    seen = {}

    def config_model_fn(features, labels, mode, config):
        seen.setdefault("model_dir", config.model_dir)
        return model_fn(features, labels, mode, {"lr": LR})

    class CountSteps(tf.train.SessionRunHook):
        runs = 0

        def after_run(self, run_context, run_values):
            CountSteps.runs += 1

    est = tf.estimator.Estimator(config_model_fn, model_dir=str(tmp_path))
    est.train(train_input(), steps=3, hooks=[CountSteps()])
    assert seen["model_dir"] == str(tmp_path) and CountSteps.runs == 3
    receiver_fn = tf.estimator.export.build_raw_serving_input_receiver_fn(
        {"x": tf.placeholder(tf.float32, [None, 3], name="x")})
    old_style = est.export_savedmodel(str(tmp_path / "export"), receiver_fn)  # TF1's older name
    assert os.path.exists(os.path.join(old_style, b"saved_model.pb"))


def test_run_config_device_fn_places_the_training_graph(tmp_path):
    placed = []

    def device_fn(op):
        placed.append(op.name)
        return "/cpu:0"

    est = make_estimator(tmp_path, device_fn=device_fn)
    est.train(train_input(), steps=1)
    assert "dense/kernel" in placed and est.get_variable_value("global_step") == 1
