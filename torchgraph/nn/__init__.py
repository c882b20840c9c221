"""`tf.nn`: re-exports of the neural-network builders."""
from ..ops.math_ops import sigmoid, tanh
from ..ops.nn_ops import (atrous_conv2d, conv2d_backprop_filter, conv2d_backprop_input, conv2d_transpose,
                          convolution, depthwise_conv2d, depthwise_conv2d_native,
                          depthwise_conv2d_native_backprop_filter, depthwise_conv2d_native_backprop_input,
                          separable_conv2d)
from ..ops.nn_ops import depthwise_conv2d_native_backprop_filter as depthwise_conv2d_backprop_filter  # noqa: F401
from ..ops.nn_ops import depthwise_conv2d_native_backprop_input as depthwise_conv2d_backprop_input  # noqa: F401
from ..ops.array_ops import depth_to_space, space_to_batch, space_to_depth
from ..ops.nn_ops import (avg_pool, batch_normalization, bias_add, conv2d, crelu, dropout, elu, embedding_lookup,
                          in_top_k, l2_loss, l2_normalize, leaky_relu, local_response_normalization, log_softmax,
                          lrn, max_pool, moments, relu, relu6, selu, sigmoid_cross_entropy_with_logits, softmax,
                          softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2, softplus,
                          softsign, sparse_softmax_cross_entropy_with_logits, swish, top_k,
                          weighted_cross_entropy_with_logits)
from ..ops.nn_ops import conv2d as convolution2d  # noqa: F401
from ..ops.batch_norm_ops import fused_batch_norm
from ..ops.conv_nd_ops import avg_pool1d, avg_pool3d, conv1d, conv3d, max_pool1d, max_pool3d
from ..ops.candidate_sampling_ops import (all_candidate_sampler, compute_accidental_hits,
                                          fixed_unigram_candidate_sampler, log_uniform_candidate_sampler,
                                          uniform_candidate_sampler)
from ..ops.sampled_losses import nce_loss, sampled_softmax_loss
from ..ops.rnn import bidirectional_dynamic_rnn, dynamic_rnn, raw_rnn, static_bidirectional_rnn, static_rnn
from . import rnn_cell

__all__ = [n for n in dir() if not n.startswith("_")]

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.nn.X"
