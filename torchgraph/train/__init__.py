"""`tf.train`: optimizers, global step helpers, (see saver.py) checkpoints, queue runners and
queue input pipelines, the Example protos, monitored sessions and hooks."""

from .optimizer import (AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,
                        MomentumOptimizer, Optimizer, RMSPropOptimizer, assert_global_step, create_global_step,
                        get_global_step, get_or_create_global_step, global_step)
from .checkpoint_management import (CheckpointState, NewCheckpointReader, checkpoint_exists,
                                    generate_checkpoint_state_proto, get_checkpoint_mtimes, get_checkpoint_state,
                                    latest_checkpoint, list_variables, load_checkpoint, load_variable,
                                    remove_checkpoint, update_checkpoint_state)
from .checkpoint_utils import init_from_checkpoint
from .meta_graph import export_meta_graph, import_meta_graph
from .saver import BaseSaverBuilder, BulkSaverBuilder, Saver, SaverDef
from .graph_io_util import write_graph
from .coordinator import Coordinator, LooperThread
from .queue_runner import QueueRunner, add_queue_runner, start_queue_runners
from .input import (batch, batch_join, input_producer, limit_epochs, match_filenames_once, maybe_batch,
                    maybe_batch_join,
                    maybe_shuffle_batch, maybe_shuffle_batch_join, range_input_producer, shuffle_batch,
                    shuffle_batch_join, slice_input_producer, string_input_producer)
from .example_protos import (BytesList, Example, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List,
                             SequenceExample)

from .session_run_hook import SessionRunArgs, SessionRunContext, SessionRunHook, SessionRunValues
from .basic_session_run_hooks import (CheckpointSaverHook, CheckpointSaverListener, FeedFnHook, FinalOpsHook,
                                      GlobalStepWaiterHook, LoggingTensorHook, NanLossDuringTrainingError,
                                      NanTensorHook, NeverTriggerTimer, ProfilerHook, SecondOrStepTimer,
                                      StepCounterHook, StopAtStepHook, SummarySaverHook)
from .session_manager import SessionManager
from .monitored_session import (ChiefSessionCreator, MonitoredSession, MonitoredTrainingSession, Scaffold,
                                SessionCreator, SingularMonitoredSession, WorkerSessionCreator)
from ..summary.writer import FileWriterCache as SummaryWriterCache
from ..summary.summary_iterator import summary_iterator
from .learning_rate_decay import (cosine_decay, cosine_decay_restarts, exponential_decay, inverse_time_decay,
                                  linear_cosine_decay, natural_exp_decay, noisy_linear_cosine_decay,
                                  piecewise_constant, polynomial_decay)
from .moving_averages import ExponentialMovingAverage
from .proximal_optimizers import FtrlOptimizer, ProximalAdagradOptimizer, ProximalGradientDescentOptimizer
from .distributed import ClusterSpec, Server, SyncReplicasOptimizer, replica_device_setter

__all__ = [n for n in dir() if not n.startswith("_")]

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.train.X"
