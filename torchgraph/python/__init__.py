"""`tensorflow.python`'s module paths TF1 programs import (`torchgraph.python.client.timeline`,
`torchgraph.python.framework.ops`, ...): resolved by the import hook in `torchgraph/module_aliases.py`."""
