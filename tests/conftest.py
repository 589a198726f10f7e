"Test-session setup: absolute data path (notebooks run from nbs/), no download attempts, headless matplotlib."
import os
from pathlib import Path

if os.environ.get('GENPRUNE_DATA'):
    os.environ['GENPRUNE_DATA'] = str(Path(os.environ['GENPRUNE_DATA']).expanduser().resolve())
os.environ.setdefault('GENPRUNE_OFFLINE', '1')
os.environ.setdefault('MPLBACKEND', 'Agg')
