#!/usr/bin/env python3
"""What torchgraph lacks to run TensorFlow's fixture zoo (tests/fixtures/tf_zoo): the spec for issue 11.

For every family and artifact (frozen graph, checkpoint's meta graph, SavedModel) it lists the op
types of the GraphDef, and of its FunctionDef library, that torchgraph's op table lacks: how many
nodes use each (in the graph / inside functions / under `gradients/`, i.e. only for training), a
node that uses it, and what kind of mechanism it needs (v1 control flow, TensorArray, TensorList,
stack, resource variable, lookup table, function call, ref-variable update, string op).  For the
checks whose graphs have no missing op type it runs the same check as
`tests/framework/test_tf_zoo.py` and prints the first failure, or "passes".  Last come the op
types by how many artifacts need them, and the test file's KNOWN_GAPS entries that no longer hold.

The checks live in one place, the test module; this tool imports it, so it needs no TensorFlow
(the kinds come from `tests/fixtures/tf_zoo/op_defs.json`, TF's OpDef facts recorded with the zoo).

    PYTHONPATH=$PWD .venv/bin/python tools/zoo_gap_report.py [--run-all] [--brief] [FAMILY ...]

`--run-all` also runs the checks of artifacts that miss op types (to see the import error itself);
`--brief` prints one line per artifact (missing types with node counts, "+Nfn" inside functions).
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ZOO = REPO / "tests" / "fixtures" / "tf_zoo"

# TF1's dataflow control-flow primitives (tf.cond / tf.while_loop without control flow v2).
CONTROL_FLOW_V1 = frozenset({"Switch", "RefSwitch", "Merge", "RefMerge", "Enter", "RefEnter", "Exit", "RefExit",
                             "NextIteration", "RefNextIteration", "LoopCond", "ControlTrigger", "Abort"})


def load_zoo_tests():
    """The test module, imported from its file (tests/ is not a package; it imports tests/tf_reference)."""
    sys.path.insert(0, str(REPO / "tests"))
    path = REPO / "tests" / "framework" / "test_tf_zoo.py"
    spec = importlib.util.spec_from_file_location("test_tf_zoo", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def mechanism(op_type: str, facts: dict | None) -> str:
    """Which mechanism an op type belongs to, from its name family and TF's OpDef facts."""
    facts = facts or {"inputs": [], "outputs": [], "function_attrs": []}
    kinds = set(facts["inputs"]) | set(facts["outputs"])
    if op_type in CONTROL_FLOW_V1:
        return "control flow v1"
    if op_type.startswith("TensorArray"):
        return "TensorArray"
    if op_type.startswith("TensorList") or op_type == "EmptyTensorList":
        return "TensorList"
    if op_type.startswith("Stack"):
        return "stack (v1 loop gradients)"
    if facts["function_attrs"]:
        return "calls functions"
    if op_type.startswith(("HashTable", "MutableHashTable", "LookupTable", "InitializeTable")):
        return "lookup table"
    if "resource" in kinds:
        return "resource variable"
    if "ref" in facts["inputs"]:
        return "ref-variable update"
    if "string" in kinds:
        return "string"
    return "plain op"


def gradient_only_counts(gd) -> collections.Counter:
    """Per op type, how many of the graph's nodes sit under a `gradients` name scope."""
    return collections.Counter(n.op for n in gd.node if n.name.split("/")[0].startswith("gradients"))


def _first_failure(run) -> str:
    try:
        run()
    except Exception as e:  # the report shows whatever stops the check
        text = f"{type(e).__name__}: {e}".strip().splitlines()
        return "FAILS: " + " | ".join(line.strip() for line in text[:6] if line.strip())[:900]
    return "passes"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("families", nargs="*")
    parser.add_argument("--run-all", action="store_true", help="also run checks of graphs that miss op types")
    parser.add_argument("--brief", action="store_true", help="one line per artifact: the missing types, with counts")
    args = parser.parse_args(argv)
    zoo = load_zoo_tests()
    facts = json.loads((ZOO / "op_defs.json").read_text())["ops"]
    families = args.families or zoo.FAMILIES
    need = collections.defaultdict(lambda: {"artifacts": set(), "graph": 0, "functions": 0})
    outcomes: dict[tuple[str, str], str] = {}

    from torchgraph.ops.registry import REGISTRY
    print(f"torchgraph's op table: {len(REGISTRY)} op types; zoo: {len(zoo.FAMILIES)} families in {ZOO.relative_to(REPO)}")
    for family in families:
        m = zoo.manifest(family)
        print(f"\n== {family}: {m['description']}")
        print(f"   variables: {m['variables']}; control flow: {m['control_flow']}")
        missing_by_artifact = {}
        for artifact in zoo.ARTIFACTS:
            gd = zoo.graph_def(family, artifact)
            missing = zoo.missing_op_types(gd)
            missing_by_artifact[artifact] = missing
            grads = gradient_only_counts(gd)
            header = (f"  {artifact:12s} {len(gd.node):5d} nodes, {len(gd.library.function):2d} functions: "
                      + (f"{len(missing)} op types missing" if missing else "no op type missing"))
            if args.brief:
                print(header + "".join(f"{' ' if i else ': '}{x.op_type} x{x.in_graph}"
                                       + (f"+{x.in_functions}fn" if x.in_functions else "") for i, x in enumerate(missing)))
            else:
                print(header)
            if gd.library.function and not args.brief:
                calls = collections.Counter(n.op for n in gd.node if (facts.get(n.op) or {}).get("function_attrs"))
                calls += collections.Counter(n.op for f in gd.library.function for n in f.node_def
                                             if (facts.get(n.op) or {}).get("function_attrs"))
                print(f"      function library: {len(gd.library.function)} FunctionDefs, called by "
                      + ", ".join(f"{t} x{c}" for t, c in sorted(calls.items()))
                      + " (the importer must read the library: issue 11 item 3)")
            for x in [] if args.brief else missing:
                where = [f"{x.in_graph} in graph" + (f" ({grads[x.op_type]} under gradients/)" if grads[x.op_type] else "")]
                if x.in_functions:
                    where.append(f"{x.in_functions} in functions")
                print(f"      {x.op_type:38s} {mechanism(x.op_type, facts.get(x.op_type)):26s} "
                      f"{', '.join(where):40s} e.g. {x.example}")
                entry = need[x.op_type]
                entry["artifacts"].add(f"{family}/{artifact}")
                entry["graph"] += x.in_graph
                entry["functions"] += x.in_functions
        checks = [(a, (lambda a=a: zoo.check_inference(family, a)), a) for a in zoo.ARTIFACTS]
        checks += [("training/" + r["name"], (lambda r=r: zoo.check_training(family, r["name"])), "checkpoint")
                   for r in m["training"]]
        for check, run, artifact in checks:
            if missing_by_artifact[artifact] and not args.run_all:
                outcome = f"blocked at import: {len(missing_by_artifact[artifact])} op types missing ({artifact} graph)"
            else:
                outcome = _first_failure(run)
            outcomes[(family, check)] = outcome
            print(f"  -> {check:28s} {outcome}")

    print("\n== op types torchgraph lacks, by the number of artifacts that need them")
    print(f"   {'op type':38s} {'kind':26s} {'artifacts':>9s} {'nodes':>6s} {'in fns':>6s}  families")
    for op_type, e in sorted(need.items(), key=lambda kv: (-len(kv[1]["artifacts"]), kv[0])):
        fams = sorted({a.split("/")[0] for a in e["artifacts"]})
        print(f"   {op_type:38s} {mechanism(op_type, facts.get(op_type)):26s} {len(e['artifacts']):9d} "
              f"{e['graph']:6d} {e['functions']:6d}  {', '.join(fams)}")
    by_kind = collections.defaultdict(list)
    for op_type in need:
        by_kind[mechanism(op_type, facts.get(op_type))].append(op_type)
    print("\n== by mechanism")
    for kind, types in sorted(by_kind.items()):
        print(f"   {kind:26s} {len(types):3d}: {', '.join(sorted(types))}")

    passing = [k for k, v in outcomes.items() if v == "passes"]
    print(f"\n== {len(passing)} of {len(outcomes)} checks pass: {', '.join(f'{f}/{c}' for f, c in passing) or '-'}")
    stale = [k for k in passing if k in zoo.KNOWN_GAPS]
    unmarked = [k for k, v in outcomes.items() if v != "passes" and k not in zoo.KNOWN_GAPS]
    for f, c in stale:
        print(f"   KNOWN_GAPS entry to delete (the check passes now): {f}/{c}")
    for f, c in unmarked:
        print(f"   failing check without a KNOWN_GAPS entry: {f}/{c}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
