"""`tf.compat`: `compat.v1` is the whole torchgraph namespace (TF1 is all we implement)."""
