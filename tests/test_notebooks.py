"""Every notebook, run by nbdev's own test runner with the same skip flags as `nbdev_test`.

Cells flagged with one of settings.ini's `tst_flags` (`slow`, `gpu`) are skipped unless named in
$GENPRUNE_TEST_FLAGS (e.g. GENPRUNE_TEST_FLAGS="slow"), just as `nbdev_test --flags slow` does;
GENPRUNE_TEST_DEVICE=cuda runs the `gpu` cells too.
"""
import os
from pathlib import Path

import pytest
import torch
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook

CFG = get_config(path=Path(__file__).resolve().parent.parent)
NOTEBOOKS = sorted(CFG.nbs_path.glob('*.ipynb'))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5


@pytest.fixture(autouse=True)
def library_registries():
    """Each notebook runs against the library's registries as importing it left them.

    A notebook's exported cells run again inside the test process, and some register what they define into the
    library's registries (chapter 6 registers its own SERLU class): without this, a later notebook would build the
    earlier notebook's copy of a class instead of the library's, and `isinstance` checks against it would fail."""
    from genprune_nb import data, harness, models
    from genprune_nb.paper import benchmarks, experiments  # noqa: F401 (they register the paper's experiments)
    from genprune_nb.prune import masks
    entries = {kind: dict(layers) for kind, layers in models.REGISTRY._entries.items()}
    named = [(d, dict(d)) for d in (harness.EXPERIMENTS, harness.BENCHMARKS, harness.OPTION_CHECKS, masks.LAYER_KINDS, data.DATASETS)]
    yield
    models.REGISTRY._entries = entries
    for registry, saved in named: registry.clear(); registry.update(saved)


@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook(notebook):
    skip_flags = CFG.tst_flags.split()
    force_flags = os.environ.get('GENPRUNE_TEST_FLAGS', '').split()
    if os.environ.get('GENPRUNE_TEST_DEVICE', 'cpu').startswith('cuda') and torch.cuda.is_available():
        force_flags.append('gpu')  # the notebooks' GPU cells; without CUDA they stay skipped, as by default
    with working_directory(CFG.nbs_path):
        passed, _ = run_notebook(notebook, skip_flags=skip_flags, force_flags=force_flags, basepath=CFG.config_path)
    assert passed, f'{notebook.name} failed: its traceback is printed above'
