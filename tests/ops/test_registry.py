"""The op table: one entry per op type holds every per-op fact, and the code keeps it that way.

Two kinds of test: the *structure* of the package (no module outside `torchgraph/ops/` keeps its
own list of op types; no module reads another's private attributes; `framework/` reaches
sessions only through its one hook), found by parsing the source; and the *entries* themselves,
checked against real TensorFlow's OpDefs (tests/fixtures/tf_op_defs, written by
tools/make_op_def_fixture.py) and against each other.
"""
from __future__ import annotations

import ast
import collections
import json
import pathlib

import numpy as np
import pytest
from google.protobuf import text_format
from tensorboard.compat.proto import attr_value_pb2

import torchgraph as tf
from torchgraph.framework import errors
from torchgraph.framework.graph_io import attr_value_of, python_attr_value
from torchgraph.ops.registry import REGISTRY, find_entry, get_entry, register, type_attr_names

PACKAGE = pathlib.Path(tf.__file__).parent
FIXTURE = pathlib.Path(__file__).parent.parent / "fixtures" / "tf_op_defs" / "op_defs.json"
TF_OPS = json.loads(FIXTURE.read_text())
TF_DEFS = TF_OPS["ops"]
OP_TYPE_NAMES = set(TF_OPS["all_op_names"]) | set(REGISTRY)
# torchgraph's own op types (TF has no such op): what TF could not import or run.
OWN_OP_TYPES = {"TorchVJP", "ReducedShape", "EnumerateDataset"}
# Horovod's op types (its own library registers them in TF; TF's OpDefs do not have them).
OWN_OP_TYPES |= {"HorovodAllreduce", "HorovodGroupedAllreduce", "HorovodAllgather", "HorovodBroadcast",
                 "HorovodAlltoall", "HorovodRank", "HorovodSize"}
# TF's graph-element protocol: objects of user code implement `_as_graph_element` (TF's own name).
PROTOCOL_NAMES = {"_as_graph_element"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE), ast.parse(path.read_text(), str(path))


def _string_constants(node) -> list[str]:
    elts = node.keys if isinstance(node, ast.Dict) else node.elts
    return [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


# ======================================================================================================
# The package's structure
# ======================================================================================================
def test_no_module_outside_the_op_table_lists_op_types():
    offenders = []
    for rel, tree in _modules():
        if rel.parts[0] == "ops":
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Set, ast.List, ast.Tuple, ast.Dict)):
                names = [s for s in _string_constants(node) if s in OP_TYPE_NAMES]
                if len(names) >= 3:
                    offenders.append(f"{rel}:{node.lineno} {names}")
    assert not offenders, "op-type facts belong in the op table (ops/registry.py entries):\n" + "\n".join(offenders)


def test_runtime_and_client_mention_only_registered_op_types():
    unknown = []
    for rel, tree in _modules():
        if rel.parts[0] not in ("runtime", "client"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    node.value in OP_TYPE_NAMES and node.value not in REGISTRY:
                unknown.append(f"{rel}:{node.lineno} {node.value!r}")
    assert not unknown


def _private_definitions() -> dict:
    """Private name -> the modules defining it (as a function, class, attribute or slot)."""
    defined = collections.defaultdict(set)
    for rel, tree in _modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names = [node.attr]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if "__slots__" in names:
                    names = [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)]
            elif isinstance(node, ast.arg):
                names = [node.arg]
            for n in names:
                if isinstance(n, str) and n.startswith("_") and not n.startswith("__"):
                    defined[n].add(rel)
    return defined


# Package-internal modules every namespace module may import (their functions are public to the package).
SHARED_PRIVATE_MODULES: set = set()


def test_no_module_reads_another_modules_private_names():
    defined = _private_definitions()
    offenders = []
    for rel, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    continue
                owners = defined.get(node.attr)
                if owners and rel not in owners and node.attr not in PROTOCOL_NAMES:
                    offenders.append(f"{rel}:{node.lineno} .{node.attr} (defined in {sorted(map(str, owners))})")
            if isinstance(node, ast.ImportFrom):
                module_parts = (node.module or "").split(".")
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                private += [p for p in module_parts if p.startswith("_") and not p.startswith("__")
                            and p not in SHARED_PRIVATE_MODULES]
                if private:
                    offenders.append(f"{rel}:{node.lineno} imports {private}")
    assert not offenders, "\n".join(offenders)


def test_framework_reaches_sessions_only_through_its_hook():
    offenders = []
    for rel, tree in _modules():
        if rel.parts[0] != "framework":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    any(node.module.startswith(p) for p in ("client", "runtime", "torchgraph.client",
                                                            "torchgraph.runtime")) and node.level in (0, 2):
                offenders.append(f"{rel}:{node.lineno} from {'.' * node.level}{node.module}")
    assert not offenders


# ======================================================================================================
# The entries against TensorFlow's OpDefs
# ======================================================================================================
def _tf_default(text: str):
    av = attr_value_pb2.AttrValue()
    text_format.Parse(text, av)
    return av


def _tf_attrs(op_type: str) -> dict:
    return {a["name"]: a for a in TF_DEFS[op_type]["attrs"]}


def test_every_registered_op_type_is_tensorflows_or_declared_our_own():
    assert set(REGISTRY) - set(TF_DEFS) == OWN_OP_TYPES


def test_attr_defaults_are_tensorflows():
    wrong = []
    for op_type, entry in REGISTRY.items():
        if op_type not in TF_DEFS:
            continue
        tf_defaults = {n: a["default"] for n, a in _tf_attrs(op_type).items() if a["default"] is not None}
        if set(entry.attr_defaults) != set(tf_defaults):
            wrong.append(f"{op_type}: ours {sorted(entry.attr_defaults)}, TF's {sorted(tf_defaults)}")
            continue
        for name, text in tf_defaults.items():
            ours, theirs = entry.attr_defaults[name], python_attr_value(_tf_default(text))
            same = np.array_equal(ours, theirs) if isinstance(theirs, np.ndarray) else ours == theirs
            if not same:
                wrong.append(f"{op_type}.{name}: ours {ours!r}, TF's {theirs!r}")
    assert not wrong, "\n".join(wrong)


def test_declared_type_attrs_are_attrs_of_the_op():
    wrong = [f"{t}.{a}" for t, e in REGISTRY.items() if t in TF_DEFS
             for a in type_attr_names(e) if a not in _tf_attrs(t)]
    assert not wrong


def test_stateful_ops_are_tensorflows_stateful_ops():
    """TF's `is_stateful` decides what grappler may fold or merge; ours decides the same for plans.
    The differences: ops writing through ref inputs (Assign, Apply*) are stateful here, as their
    effect is; placeholders are stateful (never folded, fed per run) but effect-free.  Dataset ops
    (variant outputs) only describe a pipeline here, the iterator ops hold its state."""
    def compared(t):
        return t in TF_DEFS and not REGISTRY[t].ref_inputs and TF_DEFS[t]["outputs"] != ["handle"]
    ours_only = {t for t, e in REGISTRY.items() if compared(t) and e.stateful and not TF_DEFS[t]["is_stateful"]}
    theirs_only = {t for t, e in REGISTRY.items() if compared(t) and not e.stateful and TF_DEFS[t]["is_stateful"]}
    assert ours_only == {"Placeholder"} and not theirs_only


def test_ops_tensorflow_cannot_differentiate_are_not_differentiable_here():
    differentiable = {t for t, e in REGISTRY.items() if t in TF_DEFS and e.differentiable and
                      TF_DEFS[t]["gradient"] == "none"}
    assert not differentiable


def test_output_arguments_are_named_as_tensorflow():
    """FunctionDef bodies refer to outputs as "node:arg:index", so the names must be TF's."""
    wrong = {t: (e.output_args, TF_DEFS[t]["outputs"]) for t, e in REGISTRY.items()
             if t in TF_DEFS and tuple(e.output_args) != tuple(TF_DEFS[t]["outputs"])}
    assert not wrong


def test_every_differentiable_op_has_a_gradient_or_the_generic_fallback():
    # The fallback (ops/generic_grad.vjp_grad) re-runs the op's kernel under torch autograd.
    assert not [t for t, e in REGISTRY.items() if e.differentiable and e.grad is None and e.kernel is None]


def _zoo_graph() -> tf.Graph:
    """A graph built through the public API with the ops the builders make most."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
        labels = tf.placeholder(tf.int64, [None], name="labels")
        h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = tf.nn.avg_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        h = tf.nn.lrn(h)
        h = tf.reshape(h, [-1, 7 * 7 * 4])
        h = tf.layers.dense(h, 8, activation=tf.nn.elu)
        h = tf.nn.dropout(h, keep_prob=0.5)
        logits = tf.layers.dense(h, 10)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        loss += tf.losses.softmax_cross_entropy(tf.one_hot(labels, 10), logits) + tf.nn.l2_loss(logits)
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))
        for opt in (tf.train.GradientDescentOptimizer(0.1), tf.train.MomentumOptimizer(0.1, 0.9),
                    tf.train.AdamOptimizer(), tf.train.RMSPropOptimizer(0.1, momentum=0.9, centered=True),
                    tf.train.RMSPropOptimizer(0.1), tf.train.AdagradOptimizer(0.1), tf.train.AdadeltaOptimizer()):
            opt.minimize(loss)
        v = tf.Variable(tf.truncated_normal([3, 3], seed=1), name="v")
        tf.assign_add(v, tf.random_uniform([3, 3]))
        tf.assign_sub(v, tf.random_normal([3, 3]))
        tf.random_shuffle(tf.range(5))
        tf.random.uniform([2], 0, 5, dtype=tf.int32)
        tf.multinomial(tf.zeros([1, 3]), 2)
        s = tf.strided_slice(v, [0, 1], [2, 3], [1, 1])
        tf.concat([s, tf.transpose(s)[:2, :2]], 1)
        tf.stack(tf.unstack(v)), tf.split(v, 3), tf.split(v, [1, 2], axis=1)
        tf.tile(tf.expand_dims(tf.squeeze(v[:1]), 0), [2, 1]), tf.pad(v, [[1, 1], [0, 0]])
        tf.gather(v, [0, 2]), tf.fill([2], 3.0), tf.zeros_like(v), tf.ones_like(v), tf.where(v > 0)
        tf.nn.top_k(v, 2), tf.nn.in_top_k(v, [0, 1, 2], 1), tf.cumsum(v), tf.reverse(v, [0])
        tf.unsorted_segment_sum(v, [0, 1, 0], 2), tf.broadcast_to(tf.constant(1.0), [2, 2])
        tf.nn.bias_add(v, [1.0, 2.0, 3.0]), tf.nn.leaky_relu(v), tf.nn.relu6(v), tf.nn.softplus(v)
        tf.nn.softsign(v), tf.nn.selu(v), tf.nn.log_softmax(v), tf.matmul(v, v, transpose_b=True)
        tf.reduce_max(v, 1), tf.reduce_min(v), tf.reduce_prod(v), tf.reduce_any(v > 0), tf.reduce_all(v > 0)
        tf.clip_by_norm(v, 1.0), tf.clip_by_global_norm([v], 1.0), tf.add_n([v, v]), tf.shape_n([v, s])
        tf.cond(tf.reduce_sum(v) > 0, lambda: v * 2.0, lambda: v)
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0])
        tf.map_fn(lambda r: r * 2.0, v)
        tf.Assert(tf.reduce_all(v > -100), [v])
        ds = tf.data.Dataset.from_tensor_slices(np.arange(6, dtype=np.float32)).map(lambda e: e * 2)
        ds = ds.shuffle(3, seed=1).batch(2).repeat(2).prefetch(1)
        ds.make_one_shot_iterator().get_next()
        it = ds.make_initializable_iterator()
        it.get_next(), it.string_handle()
        tf.summary.scalar("loss", loss), tf.summary.histogram("v", v), tf.summary.image("x", x)
        tf.summary.merge_all()
        # resource variables, their updates and the sparse updates of embeddings
        with tf.variable_scope("res", use_resource=True):
            rw = tf.get_variable("w", [3, 3])
            emb = tf.get_variable("emb", [5, 3])
        r_loss = tf.reduce_sum(tf.matmul(v, rw)) + tf.reduce_sum(tf.nn.embedding_lookup(emb, [0, 2, 0]))
        for opt in (tf.train.GradientDescentOptimizer(0.1), tf.train.MomentumOptimizer(0.1, 0.9),
                    tf.train.AdamOptimizer(), tf.train.RMSPropOptimizer(0.1, centered=True),
                    tf.train.RMSPropOptimizer(0.1), tf.train.AdagradOptimizer(0.1), tf.train.AdadeltaOptimizer()):
            opt.minimize(r_loss)
            opt.minimize(tf.reduce_sum(tf.gather(v, [0, 1])))  # sparse updates of a RefVariable
        rw.assign(tf.zeros([3, 3])), rw.assign_add(tf.ones([3, 3])), rw.assign_sub(tf.ones([3, 3]))
        rw.is_initialized(), rw.sparse_read([0])
        for fn in (tf.scatter_add, tf.scatter_sub, tf.scatter_mul, tf.scatter_div, tf.scatter_min, tf.scatter_max,
                   tf.scatter_update):
            fn(rw, [0], [[1.0, 1.0, 1.0]]), fn(v, [0], [[1.0, 1.0, 1.0]])
        for fn in (tf.scatter_nd_update, tf.scatter_nd_add, tf.scatter_nd_sub):
            fn(rw, [[0, 1]], [1.0]), fn(v, [[0, 1]], [1.0])
        from torchgraph.ops.resource_variable_ops import destroy_resource_op, variable_shape
        variable_shape(tf.Variable(tf.zeros([2]), use_resource=True, shape=tf.TensorShape(None)).handle)
        destroy_resource_op(rw.handle)
        tf.unique([1, 2, 1])
        tf.train.Saver()
    return g


def test_builders_set_only_tensorflows_attrs_and_every_required_one():
    """What makes our GraphDefs importable by TF and theirs importable here: every public attr a
    builder sets is declared by TF's OpDef, and every attr TF declares without a default is set."""
    wrong = []
    for op in _zoo_graph().get_operations():
        if op.type not in TF_DEFS:
            continue
        declared = _tf_attrs(op.type)
        public = {k for k in op.attrs if not k.startswith("_")}
        wrong += [f"{op.name} ({op.type}) sets {k}, which TF does not declare" for k in public - set(declared)]
        wrong += [f"{op.name} ({op.type}) lacks required {k}" for k, a in declared.items()
                  if a["default"] is None and k not in public]
    assert not wrong, "\n".join(wrong)


# ======================================================================================================
# The entries against each other
# ======================================================================================================
@pytest.mark.parametrize("op_type", sorted(REGISTRY))
def test_facts_are_consistent(op_type):
    e = REGISTRY[op_type]
    if e.holds_variable:
        assert e.stateful and e.effect_free and not e.ref_inputs and e.outputs_state
    if e.variable_handle:  # a VarHandleOp: a variable as a resource handle, pruned when nobody names it
        assert e.stateful and e.effect_free and not e.ref_inputs and not e.holds_variable
    if e.writes_variable or e.reads_variable:
        assert e.ref_inputs and e.stateful
    if e.pass_through:
        assert e.aliases.get(0) == 0 and not e.stateful
    if e.random:
        assert e.stateful and not e.value_dependent_shape
    if e.reads_only_shapes:
        assert e.host_outputs
    if e.no_compute:
        assert e.kernel is None
    else:
        assert e.kernel is not None or e.holds_variable or e.control_flow
    assert not (e.group_key is None) ^ (e.group_kernel is None)
    assert all(isinstance(d, (bool, int, float, str, list, np.ndarray, tf.DType, tf.TensorShape))
               for d in e.attr_defaults.values())


def test_a_kernel_that_draws_random_numbers_must_declare_it():
    with tf.Graph().as_default():
        y = tf.identity(tf.constant(1.0))
        sess = tf.Session()
        from torchgraph.runtime.kernel_context import KernelContext
        ctx = KernelContext(sess.state, y.op, sess.device)
        with pytest.raises(errors.InternalError, match="random=True"):
            ctx.rng()
        z = tf.random_shuffle(tf.range(3))
        assert KernelContext(sess.state, z.op, sess.device).rng() is sess.state.generator_for(z.op, sess.device)


def test_registering_a_type_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        register("AddV2", lambda inputs, attrs: [])


def test_unknown_op_types():
    assert find_entry("NoSuchOp") is None
    with pytest.raises(errors.NotFoundError, match="NoSuchOp"):
        get_entry("NoSuchOp")


def test_import_fills_tensorflows_defaults_and_export_leaves_them_out():
    """An attr a GraphDef omits (strip_default_attrs) comes back from the entry's defaults."""
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [2, 3], name="x")
        tf.reduce_sum(x, 1, name="s")
    gd = g.as_graph_def()
    node = next(n for n in gd.node if n.name == "s")
    del node.attr["keep_dims"]
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(gd, name="")
        s = g2.get_operation_by_name("s")
        assert s.get_attr("keep_dims") is False
        with tf.Session() as sess:
            assert sess.run(s.outputs[0], {"x:0": np.ones((2, 3))}).tolist() == [3.0, 3.0]
        assert "keep_dims" not in next(n for n in g2.as_graph_def().node if n.name == "s").attr
    assert python_attr_value(attr_value_of(False)) is False
