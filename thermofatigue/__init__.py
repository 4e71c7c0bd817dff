"""thermofatigue: thermal-cycling fatigue of solder joints in wafer-level and flip-chip packages."""

import os

# The hot paths multiply many small dense matrices; OpenBLAS's thread pool costs more than it
# gives there (a 3558 x 130 mat-vec ran 25x slower threaded than single-threaded on a busy
# 2-core machine). Effective only if numpy is not imported yet; set the variable to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
