"""torchgraph: TensorFlow 1.x's graph-and-session API on PyTorch.

    import torchgraph as tf          # or: import torchgraph.compat.v1 as tf

This module only re-exports; each name is defined once in the package.
"""
from __future__ import annotations

import types as _types

from .framework.missing_names import module_getattr as _module_getattr

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import (ConfigProto, GPUOptions, GraphOptions, OptimizerOptions,
                                                 RunMetadata, RunOptions)
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.meta_graph_pb2 import MetaGraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto

from .framework import errors
from .framework.dtypes import (DType, as_dtype, bfloat16, bool, complex64, complex128, double, float16, float32,
                               float64, half, int8, int16, int32, int64, resource, string, uint8, uint16, uint32,
                               uint64, variant)
from .framework.graph import (Graph, GraphKeys, Operation, Tensor, add_to_collection, add_to_collections,
                              colocate_with, control_dependencies, device, get_all_collection_keys, get_collection,
                              get_collection_ref, get_default_graph, name_scope, reset_default_graph)
from .framework.random_seed import get_seed, set_random_seed
from .framework.tensor_conversion import convert_to_tensor, register_tensor_conversion_function
from .framework.tensor_shape import Dimension, TensorShape, dimension_value
from .client.session import InteractiveSession, Session, get_default_session
from .runtime.random_mode import torch_native_random_config
from .ops import array_ops as _array_ops
from .ops import math_ops as _math_ops
from .ops import random_ops as _random_ops
from .ops.image_transforms import random_crop
from .ops import init_ops as _init_ops
from .ops import nn_ops as _nn_ops  # noqa: F401 - registers the nn op entries
from .ops import training_ops as _training_ops  # noqa: F401 - registers the Apply* entries
from .ops import control_flow_v1_ops as _control_flow_v1_ops  # noqa: F401 - Switch, Merge, Enter ... entries
from .ops import data_flow_ops as _data_flow_ops  # noqa: F401 - StackV2, TensorArrayV3 ... entries
from .ops import list_ops as _list_ops  # noqa: F401 - the TensorList* entries
from .ops import batch_norm_ops as _batch_norm_ops  # noqa: F401 - registers the FusedBatchNorm entries
from .ops.logging_ops import Print
from .ops.logging_ops import print_v2 as print  # noqa: A004 - tf.print
from .ops.script_ops import numpy_function, py_func, py_function
from .ops.array_ops import (dynamic_partition, dynamic_stitch, gather_nd, reverse_sequence, scatter_nd,
                            sparse_to_dense, unique, unique_with_counts)
from .ops.array_ops import (broadcast_to, concat, cumsum, expand_dims, fill, gather, identity, identity_n,
                            matrix_transpose, ones, ones_like, one_hot, pad, rank, reshape, reverse, reverse_v2,
                            shape, shape_n, size, slice, split, squeeze, stack, stop_gradient, strided_slice,
                            tile, transpose, unsorted_segment_sum, unstack, zeros, zeros_like)
from .ops.array_ops import range  # noqa: A004
from .ops.array_ops import (batch_to_space, batch_to_space_nd, depth_to_space, required_space_to_batch_paddings,
                            space_to_batch, space_to_batch_nd, space_to_depth)
from .ops.clip_ops import clip_by_global_norm, clip_by_norm, clip_by_value, global_norm
from .ops.constant_op import constant, placeholder, placeholder_with_default
from .ops.grouping_ops import group, no_op, tuple, with_dependencies  # noqa: A004
from .ops.functional_ops import Assert, case, cond, foldl, foldr, map_fn, scan, while_loop
from .ops.tensor_array_ops import TensorArray
from .ops.gradients import (AggregationMethod, NoGradient, NotDifferentiable, RegisterGradient, UnconnectedGradients,
                            gradients, no_gradient)
from .ops.init_ops import (constant_initializer, glorot_normal_initializer, glorot_uniform_initializer,
                           ones_initializer, orthogonal_initializer, random_normal_initializer,
                           random_uniform_initializer, truncated_normal_initializer, variance_scaling_initializer,
                           zeros_initializer)
from .ops.math_ops import (abs, accumulate_n, acos, add, add_n, argmax, argmin, asin, atan, atan2, cast, ceil,
                           cos, cosh, digamma, div, div_no_nan, divide, einsum, equal, erf, erfc, exp, expm1, floor,
                           floordiv, floormod, greater, greater_equal, is_finite, is_inf, is_nan, less, less_equal,
                           lgamma, log, log1p, logical_and, logical_not, logical_or, logical_xor, matmul, maximum,
                           minimum, mod, multiply, negative, not_equal, pow, realdiv, reciprocal, reduce_all,
                           reduce_any, reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod,
                           reduce_sum, rint, round, rsqrt, saturate_cast, scalar_mul, sigmoid, sign, sin, sinh,
                           sqrt, square, squared_difference, subtract, tan, tanh, to_double, to_float, to_int32,
                           to_int64, truediv, truncatediv, truncatemod, where, where_v2)
from .ops.random_ops import (multinomial, random_categorical, random_gamma, random_normal, random_poisson,
                              random_shuffle, random_uniform,
                             truncated_normal)
from .ops.state_ops import (Variable, all_variables, assign, assign_add, assign_sub, global_variables,
                            global_variables_initializer, initialize_all_variables, initialize_local_variables,
                            is_variable_initialized, local_variables, local_variables_initializer, model_variables,
                            moving_average_variables, report_uninitialized_variables, trainable_variables,
                            variables_initializer)
from .ops.variable_scope import (AUTO_REUSE, VariableScope, get_local_variable, get_variable, get_variable_scope,
                                 variable_op_scope, variable_scope)
from .ops import resource_variable_ops as _resource_variable_ops  # noqa: F401 - registers the resource ops
from .ops.state_ops import (scatter_add, scatter_div, scatter_max, scatter_min, scatter_mul, scatter_nd_add,
                            scatter_nd_sub, scatter_nd_update, scatter_sub, scatter_update)
from .ops.variable_scope import disable_resource_variables, enable_resource_variables, resource_variables_enabled
from .ops.math_ops import argmax as arg_max, argmin as arg_min  # TF1's older names
from .framework.indexed_slices import IndexedSlices, IndexedSlicesValue, convert_to_tensor_or_indexed_slices
from . import layers, losses, nn, summary, train
from . import contrib  # tf.contrib: rnn (submodules load on first use)
from . import image  # tf.image: codecs (registers their entries), resizes
from . import lookup, sparse, strings  # tf.lookup tables, tf.sparse, tf.strings
from .framework.sparse_tensor import SparseTensor, SparseTensorValue
from .ops.lookup_ops import initialize_all_tables, tables_initializer
from .ops.string_ops import sparse_tensor_to_dense, string_split, string_to_hash_bucket_fast
from . import data  # tf.data: Dataset and TF1 iterators
from .framework import nest  # tf.nest
from .framework import graph_util  # tf.graph_util (import_graph_def, convert_variables_to_constants ...)
from .framework.graph_io import import_graph_def, make_ndarray, make_tensor_proto
from . import saved_model  # tf.saved_model (TF1 API: builder, loader, signatures)
from . import estimator  # tf.estimator (TF 1.15's: Estimator, EstimatorSpec, RunConfig, export, inputs)
from .platform import app, flags  # tf.app (app.run, app.flags) and tf.flags
from .platform import tf_logging as logging  # tf.logging: TF1's logging functions on the "tensorflow" logger
from . import metrics  # tf.metrics: streaming metrics over local variables
get_logger = logging.get_logger  # tf.get_logger: the "tensorflow" logger
from .platform import gfile  # tf.gfile (TF1 names); tf.io.gfile has TF2's
from . import io, python_io  # tf.io, tf.python_io: TFRecords, Example parsing, decoders
from .ops.parsing_ops import (FixedLenFeature, FixedLenSequenceFeature, SparseFeature, VarLenFeature, decode_csv,
                              decode_raw, parse_example, parse_single_example, parse_single_sequence_example,
                              string_to_number)
from .ops import queue_ops as _queue_ops
from .ops.queue_ops import FIFOQueue, PaddingFIFOQueue, PriorityQueue, QueueBase, RandomShuffleQueue
from .ops.reader_ops import (FixedLengthRecordReader, ReaderBase, TextLineReader, TFRecordReader, WholeFileReader,
                             matching_files, read_file, write_file)
from .ops.state_ops import count_up_to
from .ops.sparse_ops import (sparse_add, sparse_concat, sparse_placeholder, sparse_reduce_sum, sparse_reorder,
                             sparse_tensor_dense_matmul)

__version__ = "0.1.0"
VERSION = __version__
GIT_VERSION = "torchgraph"
newaxis = None


def executing_eagerly() -> bool:
    """Always False: torchgraph is graph mode only (as TF1 without eager)."""
    return False


def disable_v2_behavior() -> None:
    """Accepted for compatibility; torchgraph always behaves as TF1."""


def disable_eager_execution() -> None:
    """Accepted for compatibility; torchgraph always behaves as TF1."""


def enable_eager_execution(*args, **kwargs):
    raise NotImplementedError("torchgraph implements TF1 graph mode only; use PyTorch itself for eager code.")


def _namespace(name: str, **members) -> _types.ModuleType:
    mod = _types.ModuleType(f"torchgraph.{name}")
    mod.__dict__.update(members)
    mod.__getattr__ = _module_getattr(mod.__name__)
    return mod


initializers = _namespace(
    "initializers", zeros=_init_ops.Zeros, ones=_init_ops.Ones, constant=_init_ops.Constant,
    random_normal=_init_ops.RandomNormal, truncated_normal=_init_ops.TruncatedNormal,
    random_uniform=_init_ops.RandomUniform, glorot_uniform=_init_ops.GlorotUniform,
    glorot_normal=_init_ops.GlorotNormal, variance_scaling=_init_ops.VarianceScaling,
    orthogonal=_init_ops.Orthogonal, identity=_init_ops.Identity, he_normal=_init_ops.he_normal,
    he_uniform=_init_ops.he_uniform, lecun_normal=_init_ops.lecun_normal, lecun_uniform=_init_ops.lecun_uniform,
    global_variables=global_variables_initializer, local_variables=local_variables_initializer,
    variables=variables_initializer)
keras_initializers = initializers
random = _namespace(
    "random", normal=_random_ops.random_normal, uniform=_random_ops.random_uniform,
    truncated_normal=_random_ops.truncated_normal, shuffle=_random_ops.random_shuffle,
    categorical=_random_ops.random_categorical, multinomial=_random_ops.multinomial,
    gamma=_random_ops.random_gamma, poisson=_random_ops.random_poisson,
    set_random_seed=set_random_seed, get_seed=get_seed)
math = _namespace(
    "math", **{n: getattr(_math_ops, n) for n in (
        "abs", "add", "add_n", "argmax", "argmin", "ceil", "cos", "divide", "equal", "exp", "floor", "greater",
        "greater_equal", "less", "less_equal", "log", "log1p", "logical_and", "logical_not", "logical_or",
        "maximum", "minimum", "multiply", "negative", "not_equal", "pow", "reciprocal", "reduce_all", "reduce_any",
        "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum", "round",
        "rsqrt", "sigmoid", "sign", "sin", "sqrt", "square", "squared_difference", "subtract", "tanh",
        "truediv", "floordiv", "floormod", "is_nan", "is_inf", "is_finite", "erf", "divide_no_nan")
        if hasattr(_math_ops, n)},
    divide_no_nan=_math_ops.div_no_nan, top_k=_nn_ops.top_k, in_top_k=_nn_ops.in_top_k,
    softplus=_nn_ops.softplus, cumsum=_array_ops.cumsum)
from .ops import linalg_ops as _linalg_ops
from .ops import collective_ops as _collective_ops  # noqa: F401 - Horovod's collective op types
from .ops.linalg_ops import (cholesky, diag, diag_part, matrix_band_part, matrix_determinant, matrix_diag,
                             matrix_diag_part, matrix_inverse, qr)
linalg = _namespace("linalg", matmul=_math_ops.matmul, transpose=_array_ops.matrix_transpose, qr=qr,
                    diag=matrix_diag, diag_part=matrix_diag_part, band_part=matrix_band_part,
                    inv=matrix_inverse, det=matrix_determinant, cholesky=cholesky, einsum=_math_ops.einsum)
dtypes = _namespace("dtypes", DType=DType, as_dtype=as_dtype, float32=float32, float64=float64, float16=float16,
                    bfloat16=bfloat16, int8=int8, int16=int16, int32=int32, int64=int64, uint8=uint8,
                    uint16=uint16, uint32=uint32, uint64=uint64, bool=bool, string=string, complex64=complex64,
                    complex128=complex128)


queue = _namespace("queue", FIFOQueue=FIFOQueue, PaddingFIFOQueue=PaddingFIFOQueue, PriorityQueue=PriorityQueue,
                   QueueBase=QueueBase, RandomShuffleQueue=RandomShuffleQueue)
io.read_file, io.write_file, io.matching_files = read_file, write_file, matching_files
from .compat import v1 as _v1  # noqa: E402,F401 - makes `tf.compat.v1` the same namespace
from . import compat  # noqa: E402
from . import module_aliases as _module_aliases  # noqa: E402

_module_aliases.install()  # torchgraph.python.* paths; `sys.modules["tensorflow"] = torchgraph` shims
from . import contrib  # noqa: E402 - tf.contrib: the subset TF1 programs import most

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.X (see docs/API.md)"
