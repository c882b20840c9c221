"""tf.estimator.export: serving input receivers, raw receiver fns, export outputs' signatures."""
from __future__ import annotations

import pytest

import torchgraph as tf


def test_serving_input_receiver_wraps_single_tensors_as_tensorflow():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    receiver = tf.estimator.export.ServingInputReceiver(x, x)
    assert receiver.features == {"feature": x} and receiver.receiver_tensors == {"input": x}
    unwrapped = tf.estimator.export.TensorServingInputReceiver(x, {"x": x})
    assert unwrapped.features is x and unwrapped.receiver_tensors == {"x": x}
    with pytest.raises(ValueError, match="must be a Tensor or SparseTensor"):
        tf.estimator.export.ServingInputReceiver({"a": 1.0}, x)


def test_raw_serving_input_receiver_fn_makes_named_placeholders():
    feature = tf.placeholder(tf.float32, [32, 4], name="pixels")
    fn = tf.estimator.export.build_raw_serving_input_receiver_fn({"pixels": feature}, default_batch_size=None)
    with tf.Graph().as_default():
        receiver = fn()
        placeholder = receiver.receiver_tensors["pixels"]
        assert placeholder.op.type == "Placeholder" and placeholder.op.name == "pixels"
        assert placeholder.shape.as_list() == [None, 4]
        assert receiver.features["pixels"] is placeholder


def test_export_outputs_signatures():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    examples = tf.placeholder(tf.string, [None], name="examples")
    y = tf.reduce_sum(x, 1)
    predict = tf.estimator.export.PredictOutput(y).as_signature_def({"x": x})
    assert predict.method_name == "tensorflow/serving/predict" and list(predict.outputs) == ["output"]
    regress = tf.estimator.export.RegressionOutput(y).as_signature_def({"examples": examples})
    assert regress.method_name == "tensorflow/serving/regress"
    scores = tf.estimator.export.ClassificationOutput(scores=tf.nn.softmax(x)).as_signature_def({"e": examples})
    assert scores.method_name == "tensorflow/serving/classify"
    with pytest.raises(ValueError, match="Classification input must be a single string Tensor"):
        tf.estimator.export.ClassificationOutput(scores=x).as_signature_def({"x": x})


def test_parsing_serving_input_receiver_fn_parses_examples():
    fn = tf.estimator.export.build_parsing_serving_input_receiver_fn(
        {"x": tf.FixedLenFeature([2], tf.float32)})
    receiver = fn()
    serialized = receiver.receiver_tensors["examples"]
    assert serialized.op.name == "input_example_tensor" and serialized.dtype == tf.string
    example = tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[1.5, -2.0]))}))
    with tf.Session() as sess:
        parsed = sess.run(receiver.features["x"], {serialized: [example.SerializeToString()]})
    assert parsed.tolist() == [[1.5, -2.0]]
