"""Ports of ``tensorflow.examples.tutorials``: the data helpers the TF1 tutorials import."""
