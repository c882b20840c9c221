"""A TF name torchgraph lacks fails with an AttributeError that names it (issue 12 item 6)."""
from __future__ import annotations

import pytest

import torchgraph as tf
from torchgraph.framework import missing_names as _missing


@pytest.mark.parametrize("spelled, module, attr", [
    ("tf.not_a_tf_name", tf, "not_a_tf_name"),
    ("tf.nn.ctc_beam_search_decoderx", tf.nn, "ctc_beam_search_decoderx"),
    ("tf.train.SyncReplicasOptimizerX", tf.train, "SyncReplicasOptimizerX"),
    ("tf.layers.NotALayer", tf.layers, "NotALayer"),
    ("tf.losses.not_a_loss", tf.losses, "not_a_loss"),
    ("tf.image.not_an_image_op", tf.image, "not_an_image_op"),
    ("tf.math.bessel_i0x", tf.math, "bessel_i0x"),
    ("tf.data.experimental.not_there", tf.data.experimental, "not_there"),
    ("tf.contrib.slim", tf.contrib, "slim"),
    ("tf.contrib.layers.not_a_contrib_layer", tf.contrib.layers, "not_a_contrib_layer"),
])
def test_missing_names_say_torchgraph_does_not_implement_them(spelled, module, attr):
    with pytest.raises(AttributeError, match=rf"^torchgraph does not implement {spelled.replace('.', '[.]')} [(]see docs/API[.]md[)]$"):
        getattr(module, attr)


def test_existing_names_and_protocol_probes_are_unchanged():
    assert tf.nn.relu is not None and tf.contrib.layers.fully_connected is not None
    assert not hasattr(tf, "__wrapped__")  # inspect / functools probe dunders: plain errors
    with pytest.raises(AttributeError, match="has no attribute '_private'"):
        tf.nn._private  # noqa: B018
    assert hasattr(tf, "Session") and not hasattr(tf, "Sessionx")


def test_message_helper_maps_module_names_to_tf_names():
    assert _missing.tf_name("torchgraph.contrib.rnn", "LSTMBlockFusedCell") == "tf.contrib.rnn.LSTMBlockFusedCell"
    assert _missing.missing_message("torchgraph", "foo") == "torchgraph does not implement tf.foo (see docs/API.md)"
    with pytest.raises(AttributeError, match="tf.nn.foo"):
        _missing.missing_attribute("torchgraph.nn", "foo")
