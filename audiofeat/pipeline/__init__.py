"""Feature extraction at scale: a spec, runners (in-process, process pool, Ray Data) and sinks (parquet, npz).

The stateful layer over the functional core that turns files into datasets; the command line
(:mod:`audiofeat.cli`) only parses arguments and shows progress around :func:`extract`.
"""

from .features import FEATURES, Feature, get_feature, register_feature
from .spec import ExtractorSpec, FeatureSpec
from .compute import FileResult, compute_features, process_file
from .run import AUDIO_EXTENSIONS, Summary, discover, extract
from .sinks import read_dataset

__all__ = ["FEATURES", "Feature", "get_feature", "register_feature", "ExtractorSpec", "FeatureSpec",
           "FileResult", "compute_features", "process_file", "extract", "discover", "Summary",
           "AUDIO_EXTENSIONS", "read_dataset"]
