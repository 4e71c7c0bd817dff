import sys
from pathlib import Path

# test helpers (manufactured solutions, constitutive drivers) live beside the tests
sys.path.insert(0, str(Path(__file__).parent))
