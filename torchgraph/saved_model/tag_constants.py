"""Standard SavedModel tags (`tf.saved_model.tag_constants`): which MetaGraphDef a loader picks."""

SERVING = "serve"
TRAINING = "train"
EVAL = "eval"
GPU = "gpu"
TPU = "tpu"

__all__ = ["SERVING", "TRAINING", "EVAL", "GPU", "TPU"]
