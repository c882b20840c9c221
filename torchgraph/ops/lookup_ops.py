"""Lookup tables (`tf.lookup`): HashTableV2 / MutableHashTableV2 and the ops that fill and read them.

A table is a session resource (`ctx.resource`), created by its handle op the first time a run
reaches it and keyed as TF keys it: `container/shared_name`, or the node's name when it has no
shared name.  The Python builders are TF 2.21's compat.v1 classes (`StaticHashTable`,
`StaticVocabularyTable`, `KeyValueTensorInitializer`, `TextFileInitializer`,
`experimental.MutableHashTable`), whose initializers go to the TABLE_INITIALIZERS collection that
`tf.tables_initializer()` groups.  Errors are TF's: reading a table nobody initialized is a
FailedPreconditionError, a key with two values too.
"""
from __future__ import annotations

import threading
import uuid

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from .registry import apply_op, op_output, register


class Table:
    """One table's contents: Python keys (bytes / int / float) to Python values."""

    def __init__(self, key_dtype: _dtypes.DType, value_dtype: _dtypes.DType, mutable: bool):
        self.key_dtype, self.value_dtype = key_dtype, value_dtype
        self.mutable = mutable
        self.data: dict = {}
        self.initialized = mutable  # a mutable table starts empty and usable
        self.lock = threading.Lock()

    def initialize(self, op, keys: list, values: list) -> None:
        """An initializable table is filled once; filling it again with the same data is a no-op."""
        with self.lock:
            fresh: dict = {}
            for k, v in zip(keys, values):
                if k in fresh and fresh[k] != v:
                    raise FailedPreconditionError(None, op, f"HashTable has different value for same key. Key "
                                                            f"{_show(k)} has {_show(fresh[k])} and trying to add "
                                                            f"value {_show(v)}")
                fresh[k] = v
            if self.initialized:
                if fresh != self.data:
                    raise FailedPreconditionError(None, op, "Table was already initialized with different data.")
                return
            self.data = fresh
            self.initialized = True


def _show(v) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _python_values(value) -> list:
    """A runtime tensor (numpy strings or torch numbers) as a flat list of Python scalars."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().reshape(-1).tolist()
    return np.asarray(value).reshape(-1).tolist()


def _as_runtime(values: list, dtype: _dtypes.DType, shape, device):
    if dtype is _dtypes.string:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape(shape)
    return torch.tensor(values, dtype=dtype.torch_dtype, device=device).reshape(shape)


def _table_of(op, handle) -> Table:
    if not isinstance(handle, Table):
        raise InvalidArgumentError(None, op, f"{op.name} expects a lookup table handle, got {type(handle).__name__}")
    return handle


# --- the handle ops -------------------------------------------------------------------------------------------
def _handle_kernel(mutable: bool):
    def factory(op, ctx):
        shared = op.get_attr("shared_name")
        shared = shared.decode() if isinstance(shared, bytes) else shared
        container = op.get_attr("container")
        container = container.decode() if isinstance(container, bytes) else container
        key = f"table:{container}/{shared or op.name}"
        key_dtype, value_dtype = op.get_attr("key_dtype"), op.get_attr("value_dtype")

        def run():
            table = ctx.resource(key, lambda: Table(key_dtype, value_dtype, mutable))
            if (table.key_dtype, table.value_dtype) != (key_dtype, value_dtype):
                raise InvalidArgumentError(None, op, f"Conflicting key/value dtypes {key_dtype.name}->"
                                                     f"{value_dtype.name} with {table.key_dtype.name}->"
                                                     f"{table.value_dtype.name} for table {key}")
            return table
        return run
    return factory


_TABLE = dict(type_attr=None, stateful=True, host_logic=True, resources=("lookup_table",), differentiable=False)
_HANDLE_DEFAULTS = {"container": "", "shared_name": "", "use_node_name_sharing": False}
register("HashTableV2", lambda inputs, attrs: [(_dtypes.resource, TensorShape([]))], _handle_kernel(False),
         attr_defaults=dict(_HANDLE_DEFAULTS), **_TABLE, output_args=('table_handle',))
register("MutableHashTableV2", lambda inputs, attrs: [(_dtypes.resource, TensorShape([]))], _handle_kernel(True),
         attr_defaults=dict(_HANDLE_DEFAULTS), **_TABLE, output_args=('table_handle',))


# --- filling ----------------------------------------------------------------------------------------------------
def _check_kv(op, table: Table, keys, values) -> tuple[list, list]:
    k, v = _python_values(keys), _python_values(values)
    if len(k) != len(v):
        raise InvalidArgumentError(None, op, f"Expected shape {list(np.shape(keys))} for value, got "
                                             f"{list(np.shape(values))}")
    return k, v


def _initialize_kernel(op, ctx):
    def k(handle, keys, values):
        table = _table_of(op, handle)
        table.initialize(op, *_check_kv(op, table, keys, values))
    return k


def _import_kernel(op, ctx):
    def k(handle, keys, values):
        table = _table_of(op, handle)
        kk, vv = _check_kv(op, table, keys, values)
        if not table.mutable:  # an initializable table's import is its initialization (TF's HashTable)
            table.initialize(op, kk, vv)
            return
        with table.lock:
            table.data = dict(zip(kk, vv))
    return k


def _insert_kernel(op, ctx):
    def k(handle, keys, values):
        table = _table_of(op, handle)
        if not table.mutable:
            raise FailedPreconditionError(None, op, "Table is not mutable: use an initializer.")
        kk, vv = _check_kv(op, table, keys, values)
        with table.lock:
            table.data.update(zip(kk, vv))
    return k


def _remove_kernel(op, ctx):
    def k(handle, keys):
        table = _table_of(op, handle)
        with table.lock:
            for key in _python_values(keys):
                table.data.pop(key, None)
    return k


def _parse(token: bytes, dtype: _dtypes.DType, op, where: str):
    if dtype is _dtypes.string:
        return token
    try:
        return int(token) if dtype.is_integer else float(token)
    except ValueError:
        raise InvalidArgumentError(None, op, f"Field {token.decode('utf-8', 'replace')} in {where} is not a valid "
                                             f"{dtype.name}.") from None


def _text_file_kernel(op, ctx):
    key_index, value_index = op.get_attr("key_index"), op.get_attr("value_index")
    vocab_size, offset = op.get_attr("vocab_size"), op.get_attr("offset")
    delimiter = op.get_attr("delimiter")
    delimiter = delimiter.encode() if isinstance(delimiter, str) else delimiter

    def column(line: bytes, number: int, index: int, dtype, filename: str):
        if index == -2:  # TextFileIndex.WHOLE_LINE
            return _parse(line, dtype, op, filename)
        if index == -1:  # TextFileIndex.LINE_NUMBER
            return number + offset if dtype.is_integer else float(number + offset)
        tokens = line.split(delimiter)
        if index >= len(tokens):
            raise InvalidArgumentError(None, op, f"Invalid number of columns in {filename} line {number} "
                                                 f"({line.decode('utf-8', 'replace')}) : expected {index + 1} "
                                                 f"got {len(tokens)}")
        return _parse(tokens[index], dtype, op, filename)

    def k(handle, filename):
        table = _table_of(op, handle)
        name = np.asarray(filename).item()
        name = name.decode("utf-8") if isinstance(name, bytes) else str(name)
        try:
            with open(name, "rb") as f:
                lines = f.read().split(b"\n")
        except FileNotFoundError:
            raise NotFoundError(None, op, f"{name}; No such file or directory") from None
        if lines and lines[-1] == b"":
            lines.pop()
        lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
        if vocab_size > 0:
            if len(lines) < vocab_size:
                raise InvalidArgumentError(None, op, f"Invalid vocab_size in {name}: expected {vocab_size} but got "
                                                     f"{len(lines)}")
            lines = lines[:vocab_size]
        keys, values = [], []
        for number, line in enumerate(lines):
            keys.append(column(line, number, key_index, table.key_dtype, name))
            values.append(column(line, number, value_index, table.value_dtype, name))
        table.initialize(op, keys, values)
    return k


_NO_OUTPUTS = lambda inputs, attrs: []  # noqa: E731
register("InitializeTableV2", _NO_OUTPUTS, _initialize_kernel, **{**_TABLE, "type_attr": {"Tkey": 1, "Tval": 2}})
register("LookupTableImportV2", _NO_OUTPUTS, _import_kernel, **{**_TABLE, "type_attr": {"Tin": 1, "Tout": 2}})
register("LookupTableInsertV2", _NO_OUTPUTS, _insert_kernel, **{**_TABLE, "type_attr": {"Tin": 1, "Tout": 2}})
register("LookupTableRemoveV2", _NO_OUTPUTS, _remove_kernel, **{**_TABLE, "type_attr": {"Tin": 1}})
register("InitializeTableFromTextFileV2", _NO_OUTPUTS, _text_file_kernel,
         attr_defaults={"vocab_size": -1, "delimiter": "\t", "offset": 0}, **_TABLE)


# --- reading ----------------------------------------------------------------------------------------------------
def _find_kernel(op, ctx):
    def k(handle, keys, default):
        table = _table_of(op, handle)
        if not table.initialized:
            raise FailedPreconditionError(None, op, "Table not initialized.")
        fallback = _python_values(default)
        if len(fallback) != 1:
            raise InvalidArgumentError(None, op, f"Expected shape [] for default value, got "
                                                 f"{list(np.shape(default))}")
        data, d = table.data, fallback[0]
        found = [data.get(key, d) for key in _python_values(keys)]
        return _as_runtime(found, table.value_dtype, tuple(np.shape(keys)), ctx.device)
    return k


def _size_kernel(op, ctx):
    def k(handle):
        table = _table_of(op, handle)
        return torch.tensor(len(table.data) if table.initialized else 0, dtype=torch.int64, device=ctx.device)
    return k


def _export_kernel(op, ctx):
    def k(handle):
        table = _table_of(op, handle)
        with table.lock:
            keys, values = list(table.data), list(table.data.values())
        return (_as_runtime(keys, table.key_dtype, (len(keys),), ctx.device),
                _as_runtime(values, table.value_dtype, (len(values),), ctx.device))
    return k


def _find_shape(inputs, attrs):
    """TF knows the value shape (scalars) only through a MutableHashTableV2's handle data; a
    HashTableV2's lookups are unknown until StaticHashTable.lookup sets the keys' shape."""
    handle, keys, default = inputs
    known = handle.op.type == "MutableHashTableV2"
    return [(default.dtype, keys.get_shape() if known else TensorShape(None))]


register("LookupTableFindV2", _find_shape, _find_kernel,
         **{**_TABLE, "value_dependent_shape": False, "type_attr": {"Tin": 1, "Tout": 2}}, output_args=('values',))
register("LookupTableSizeV2", lambda inputs, attrs: [(_dtypes.int64, TensorShape([]))], _size_kernel,
         **{**_TABLE, "value_dependent_shape": False}, output_args=('size',))
register("LookupTableExportV2",
         lambda inputs, attrs: [(attrs["Tkeys"], TensorShape(None)), (attrs["Tvalues"], TensorShape(None))],
         _export_kernel, **_TABLE, output_args=('keys', 'values'))


# ================================================================================================================
# The Python API: TF 2.21's compat.v1 tf.lookup
# ================================================================================================================
class TextFileIndex:
    WHOLE_LINE = -2
    LINE_NUMBER = -1


class TableInitializerBase:
    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = _dtypes.as_dtype(key_dtype)
        self._value_dtype = _dtypes.as_dtype(value_dtype)

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype


def _check_table_dtypes(table, key_dtype, value_dtype) -> None:
    if key_dtype.base_dtype is not table.key_dtype:
        raise TypeError(f"Invalid key dtype for table, expected {table.key_dtype} but got {key_dtype}.")
    if value_dtype.base_dtype is not table.value_dtype:
        raise TypeError(f"Invalid value dtype for table, expected {table.value_dtype} but got {value_dtype}.")


class KeyValueTensorInitializer(TableInitializerBase):
    """Fills a table from two tensors: "keys"/"values" Consts, a LookupTableImportV2 under
    "key_value_init" in TABLE_INITIALIZERS (what TF 2.21 builds)."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        self._keys = convert_to_tensor(keys, dtype=key_dtype, name="keys")
        self._values = convert_to_tensor(values, dtype=value_dtype, name="values")
        self._name = name if name is not None else "key_value_init"
        super().__init__(self._keys.dtype, self._values.dtype)

    def initialize(self, table):
        _check_table_dtypes(table, self._keys.dtype, self._values.dtype)
        with get_default_graph().name_scope(self._name):
            init_op = apply_op("LookupTableImportV2", [table.resource_handle, self._keys, self._values],
                               {"Tin": self._keys.dtype, "Tout": self._values.dtype},
                               input_names=["table_handle", "keys", "values"])
        get_default_graph().add_to_collection(GraphKeys.TABLE_INITIALIZERS, init_op)
        return init_op


class TextFileInitializer(TableInitializerBase):
    """Fills a table from a text file: a column, the whole line (-2) or the line number (-1) as key
    and value, as `InitializeTableFromTextFileV2` reads them."""

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index, vocab_size=None, delimiter="\t",
                 name=None, value_index_offset=0):
        key_dtype, value_dtype = _dtypes.as_dtype(key_dtype), _dtypes.as_dtype(value_dtype)
        for what, index, dtype in (("key", key_index, key_dtype), ("value", value_index, value_dtype)):
            if index < -2:
                raise ValueError(f"`{what}_index` is invalid: {index}")
            if index == TextFileIndex.LINE_NUMBER and dtype is not _dtypes.int64:
                raise ValueError(f"`{what}_dtype` must be int64 if `{what}_index` is {index}; got {dtype.name}")
            if index == TextFileIndex.WHOLE_LINE and not dtype.is_integer and dtype is not _dtypes.string:
                raise ValueError(f"`{what}_dtype` should be either integer or string if `{what}_index` is {index}; "
                                 f"got {dtype.name}")
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError(f"`vocab_size` must be positive, got {vocab_size}.")
        self._key_index, self._value_index = key_index, value_index
        self._vocab_size, self._delimiter, self._name, self._offset = vocab_size, delimiter, name, value_index_offset
        # TF tracks the file as an asset: a Const named "asset_path", in ASSET_FILEPATHS.
        self._filename = filename if hasattr(filename, "dtype") else convert_to_tensor(
            filename, dtype=_dtypes.string, name="asset_path")
        super().__init__(key_dtype, value_dtype)

    def initialize(self, table):
        _check_table_dtypes(table, self.key_dtype, self.value_dtype)
        graph = get_default_graph()
        with graph.name_scope(self._name or "text_file_init"):
            filename = convert_to_tensor(self._filename, dtype=_dtypes.string, name="asset_filepath")
            init_op = apply_op("InitializeTableFromTextFileV2", [table.resource_handle, filename],
                               {"key_index": int(self._key_index), "value_index": int(self._value_index),
                                "vocab_size": -1 if self._vocab_size is None else int(self._vocab_size),
                                "delimiter": self._delimiter, "offset": int(self._offset)},
                               input_names=["table_handle", "filename"])
        graph.add_to_collection(GraphKeys.TABLE_INITIALIZERS, init_op)
        if filename.op.type == "Const":
            graph.add_to_collection(GraphKeys.ASSET_FILEPATHS, filename)
        return init_op


class _LookupTable:
    """What every table offers: dtypes, its handle, and the name its ops are scoped under."""

    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = _dtypes.as_dtype(key_dtype)
        self._value_dtype = _dtypes.as_dtype(value_dtype)

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    @property
    def resource_handle(self):
        return self._resource_handle

    @property
    def name(self):
        return self._table_name

    def _handle(self, op_type: str, name: str, shared_name: str, use_node_name_sharing: bool):
        handle = op_output(op_type, [], attrs={"shared_name": shared_name, "container": "",
                                               "use_node_name_sharing": use_node_name_sharing,
                                               "key_dtype": self._key_dtype, "value_dtype": self._value_dtype},
                           name=name)
        self._table_name = handle.op.name.split("/")[-1]
        return handle

    def size(self, name=None):
        with get_default_graph().name_scope(name or f"{self.name}_Size"):
            return op_output("LookupTableSizeV2", [self.resource_handle], input_names=["table_handle"])

    def _find(self, keys, default):
        return op_output("LookupTableFindV2", [self.resource_handle, keys, default],
                         attrs={"Tin": keys.dtype, "Tout": default.dtype},
                         input_names=["table_handle", "keys", "default_value"])


class StaticHashTable(_LookupTable):
    """`tf.lookup.StaticHashTable` (compat.v1): an immutable HashTableV2 filled by its initializer."""

    def __init__(self, initializer, default_value, name=None, experimental_is_anonymous=False):
        if experimental_is_anonymous:
            raise NotImplementedError("torchgraph does not implement anonymous hash tables")
        super().__init__(initializer.key_dtype, initializer.value_dtype)
        self._initializer = initializer
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        self._default_value.get_shape().merge_with(TensorShape([]))
        # TF gives every table a unique shared name (kernels of one table share the resource).
        shared = getattr(initializer, "_shared_name", None) or f"hash_table_{uuid.uuid4()}"
        self._resource_handle = self._handle("HashTableV2", name or "hash_table", shared, False)
        self._init_op = initializer.initialize(self)

    @property
    def initializer(self):
        return self._init_op

    @property
    def default_value(self):
        return self._default_value

    def lookup(self, keys, name=None):
        """Values of `keys` (a Tensor or SparseTensor), `default_value` where absent."""
        key_tensor = keys.values if isinstance(keys, SparseTensor) else convert_to_tensor(keys)
        if key_tensor.dtype.base_dtype is not self._key_dtype:
            raise TypeError(f"Dtype of argument `keys` must be {self._key_dtype}, received: {key_tensor.dtype}")
        with get_default_graph().name_scope(name or f"{self.name}_Lookup"):
            values = self._find(key_tensor, self._default_value)
        values.set_shape(key_tensor.get_shape())
        if isinstance(keys, SparseTensor):
            return SparseTensor(keys.indices, values, keys.dense_shape)
        return values


class StaticVocabularyTable(_LookupTable):
    """`tf.lookup.StaticVocabularyTable` (compat.v1): ids from a table, and for a key it lacks
    `vocabulary size + StringToHashBucketFast(key) % num_oov_buckets`, as TF builds it."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        if num_oov_buckets <= 0:
            raise ValueError("`num_oov_buckets` must be > 0; use StaticHashTable.")
        if initializer is None:
            raise NotImplementedError("torchgraph's StaticVocabularyTable needs an initializer")
        if initializer.key_dtype is not _dtypes.string:
            raise NotImplementedError("torchgraph's StaticVocabularyTable takes string keys only (int64 keys "
                                      "need AsString, which torchgraph does not implement)")
        if initializer.value_dtype is not _dtypes.int64:
            raise TypeError(f"Invalid `value_dtype`, expected {_dtypes.int64} but got {initializer.value_dtype}.")
        super().__init__(lookup_key_dtype or initializer.key_dtype, _dtypes.int64)
        self._table = StaticHashTable(initializer, -1, experimental_is_anonymous=experimental_is_anonymous)
        self._num_oov_buckets = num_oov_buckets
        self._resource_handle = self._table.resource_handle
        self._table_name = (name.rstrip("/") if name else self._table.name).split("/")[-1]

    @property
    def initializer(self):
        return self._table.initializer

    def size(self, name=None):
        with get_default_graph().name_scope(name or f"{self.name}_Size"):
            return self._table.size() + self._num_oov_buckets

    def lookup(self, keys, name=None):
        from .math_ops import add, not_equal, where_v2
        from .string_ops import string_to_hash_bucket_fast
        values = keys.values if isinstance(keys, SparseTensor) else convert_to_tensor(keys)
        if values.dtype.base_dtype is not self._key_dtype:
            raise TypeError(f"Dtype of argument `keys` must be {self._key_dtype}, received: {values.dtype}")
        with get_default_graph().name_scope(name or f"{self.name}_Lookup"):
            buckets = string_to_hash_bucket_fast(values, num_buckets=self._num_oov_buckets, name="hash_bucket")
            ids = self._table.lookup(values)
            buckets = add(buckets, self._table.size())
            ids = where_v2(not_equal(ids, self._table.default_value), ids, buckets)
        if isinstance(keys, SparseTensor):
            return SparseTensor(keys.indices, ids, keys.dense_shape)
        return ids


class MutableHashTable(_LookupTable):
    """`tf.lookup.experimental.MutableHashTable`: a MutableHashTableV2 shared by node name, with
    insert / remove / lookup / export (TF's export node built beside it)."""

    def __init__(self, key_dtype, value_dtype, default_value, name="MutableHashTable", checkpoint=True,
                 experimental_is_anonymous=False):
        if experimental_is_anonymous:
            raise NotImplementedError("torchgraph does not implement anonymous hash tables")
        super().__init__(key_dtype, value_dtype)
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        if self._default_value.get_shape().ndims != 0:
            raise NotImplementedError("torchgraph's MutableHashTable holds scalar values only")
        self._resource_handle = self._handle("MutableHashTableV2", name, "", bool(checkpoint))
        if checkpoint:
            self.export()  # TF builds the export it saves from (Saver support is not implemented here)

    def lookup(self, keys, dynamic_default_values=None, name=None):
        with get_default_graph().name_scope(name or f"{self.name}_lookup_table_find"):
            keys = convert_to_tensor(keys, dtype=self._key_dtype, name="keys")
            default = self._default_value if dynamic_default_values is None else dynamic_default_values
            return self._find(keys, convert_to_tensor(default, dtype=self._value_dtype))

    def insert(self, keys, values, name=None):
        with get_default_graph().name_scope(name or f"{self.name}_lookup_table_insert"):
            keys = convert_to_tensor(keys, self._key_dtype, name="keys")
            values = convert_to_tensor(values, self._value_dtype, name="values")
            return apply_op("LookupTableInsertV2", [self.resource_handle, keys, values],
                            {"Tin": keys.dtype, "Tout": values.dtype}, input_names=["table_handle", "keys", "values"])

    def remove(self, keys, name=None):
        keys = convert_to_tensor(keys)
        if keys.dtype is not self._key_dtype:
            raise TypeError(f"Dtype of argument `keys` must be {self._key_dtype}, received: {keys.dtype}")
        with get_default_graph().name_scope(name or f"{self.name}_lookup_table_remove"):
            return apply_op("LookupTableRemoveV2", [self.resource_handle, keys], {"Tin": keys.dtype},
                            input_names=["table_handle", "keys"])

    def export(self, name=None):
        with get_default_graph().name_scope(name or f"{self.name}_lookup_table_export_values"):
            op = apply_op("LookupTableExportV2", [self.resource_handle],
                          {"Tkeys": self._key_dtype, "Tvalues": self._value_dtype}, input_names=["table_handle"])
        return op.outputs[0], op.outputs[1]


def tables_initializer(name="init_all_tables"):
    """Groups the TABLE_INITIALIZERS collection (a NoOp when it is empty), as TF does."""
    from .grouping_ops import group, no_op
    initializers = get_default_graph().get_collection(GraphKeys.TABLE_INITIALIZERS)
    if initializers:
        return group(*initializers, name=name)
    return no_op(name=name)


initialize_all_tables = tables_initializer
