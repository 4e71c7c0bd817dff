"""thermofatigue: thermal-cycling fatigue of solder joints in wafer-level and flip-chip packages."""

__version__ = "0.1.0"
