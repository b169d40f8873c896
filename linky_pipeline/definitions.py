"""Code location entry point: everything lives under defs/ and is loaded from there."""

import warnings
from pathlib import Path

import dagster as dg

# Chosen on purpose, so not worth a warning in every process's log: partitioned asset checks (a preview in 1.13,
# defs/assets/checks.py says why) and the owners Dagster copies onto the sensors it builds.
warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning
)
warnings.filterwarnings(
    "ignore", message="Parameter `owners` of initializer `SensorDefinition", category=dg.BetaWarning
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
