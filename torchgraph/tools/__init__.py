"""Command-line tools (`python -m torchgraph.tools.inspect_checkpoint PREFIX`)."""
