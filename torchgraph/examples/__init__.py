"""Ports of the helper modules under TF1's ``tensorflow.examples``."""
