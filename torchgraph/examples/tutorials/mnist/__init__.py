"""``tensorflow.examples.tutorials.mnist``: ``from ...mnist import input_data`` works unchanged."""
