"The `genprune` console script, as a user calls it."
import json, os, shutil, subprocess, sys

import pytest
import torch

GENPRUNE = shutil.which('genprune')
pytestmark = pytest.mark.skipif(GENPRUNE is None, reason='the genprune console script is not installed (pip install -e ".[dev]")')


def genprune(*args, cwd=None):
    return subprocess.run([GENPRUNE, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_list():
    r = genprune('list')
    assert r.returncode == 0 and 'demo' in r.stdout and 'mnist' in r.stdout
    for name in ('activations', 'dropout-sweep', 'fsa', 'fsa-synthetic', 'anneal-compression', 'anneal-variants', 'train', 'pruning', 'grid'):
        assert name in r.stdout, name


def test_run_writes_results_with_provenance(tmp_path):
    out = tmp_path/'demo'
    r = genprune('run', 'demo', '--epochs', '2', '--seeds', '0,1', '--device', 'cpu', '--out', str(out), '--hidden', '32')
    assert r.returncode == 0, r.stderr
    assert 'final_test_acc' in r.stdout and '±' in r.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ['demo.csv', 'demo.json', 'demo.png', 'demo_history.csv', 'demo_summary.csv']
    meta = json.loads((out/'demo.json').read_text())
    assert meta['seeds'] == [0, 1] and meta['options']['hidden'] == [32] and meta['options']['epochs'] == 2
    assert meta['command'].startswith('genprune run demo') and meta['device'].startswith('cpu')


@pytest.mark.parametrize('args, message', [
    (('run', 'demo', '--dataset', 'cifar'), "dataset='cifar' is not known; allowed values:"),
    (('run', 'nope'), "experiment='nope' is not known; allowed values:"),
    (('run', 'demo', '--epochs', '-1'), 'epochs must be an integer >= 1'),
    (('run', 'demo', '--set', 'act=tanh'), 'takes no option act'),
    (('run', 'demo', '--device', 'cuda:9' if torch.cuda.is_available() else 'cuda'), 'is not available here'),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, args, message):
    out = tmp_path/'out'
    r = genprune(*args, '--out', str(out))
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize('args', [
    ('activations', '--epochs', '1', '--hidden', '16,16'),
    ('dropout-sweep', '--epochs', '1', '--hidden', '16,16', '--set', 'ps=0.2,0.5', '--set', 'pool_sizes=2,4'),
    ('fsa', '--set', 'n_iter=20', '--set', 'compressions=0.5,1.0'),
    ('anneal-compression', '--epochs', '2', '--hidden', '16,16', '--set', 'compressions=0.5,1.0'),
    ('anneal-variants', '--epochs', '2', '--hidden', '16,16'),
    # the paper's experiments are exported from the method chapters: run from the module, names the chapters defined
    # in their own namespaces must be imported by the module too (channel-prune's fine-tuning once lacked `nn`)
    ('tetris', '--epochs', '1', '--hidden', '16,16', '--set', 'bins=10,100'),
    ('channel-prune', '--epochs', '1', '--hidden', '16,16', '--set', 'pool_sizes=2,', '--set', 'acts=relu,', '--set', 'finetune_epochs=1'),
    ('pipeline', '--epochs', '1', '--hidden', '16,16', '--set', 'compressions=0.5,1.0', '--set', 'fsa_n_iter=20'),
    ('unit-prune', '--epochs', '2', '--hidden', '16,16', '--set', 'kept=0.5,'),
])
def test_every_experiment_runs_from_the_cli(tmp_path, args):
    "Each registered experiment, tiny, on the bundled digits: the table prints and every result file is written."
    name = args[0]
    r = genprune('run', *args, '--dataset', 'digits', '--seeds', '1', '--device', 'cpu', '--out', str(tmp_path/name))
    assert r.returncode == 0, r.stderr
    assert {f'{name}.csv', f'{name}.json', f'{name}.png', f'{name}_summary.csv'} <= {p.name for p in (tmp_path/name).iterdir()}


def test_fsa_synthetic_runs_from_the_cli(tmp_path):
    "Barbu et al.'s synthetic tables, tiny: FSA and the exactly-k baselines, each row with the paper's metrics."
    out = tmp_path/'fsa-synthetic'
    r = genprune('run', 'fsa-synthetic', '--seeds', '2', '--device', 'cpu', '--out', str(out), '--set', 'tables=2,4',
                 '--set', 'n_samples=200,', '--set', 'ks=10,', '--set', 'methods=FSA Lorenz,L1 logistic,FSA squared,Lasso')
    assert r.returncode == 0, r.stderr
    import pandas as pd
    summary = pd.read_csv(out/'fsa-synthetic_summary.csv')
    assert sorted(summary.method) == ['FSA Lorenz', 'FSA squared', 'L1 logistic', 'Lasso'] and set(summary.n_seeds) == {2}
    assert summary.pcd_mean.between(0, 100).all() and summary.set_index('method').rmse_mean[['FSA squared', 'Lasso']].notna().all()
    assert json.loads((out/'fsa-synthetic.json').read_text())['seeds'] == [0, 1]


def test_bench_fsa_prints_floor_ratios_and_says_why_the_authors_rows_are_missing():
    r = genprune('bench', 'fsa', '--device', 'cpu', '--set', 'dataset=none', '--set', 'ks=5,', '--set', 'n_samples=200',
                 '--set', 'solvers=liblinear,', '--set', 'repeats=1', '--set', 'authors_fsa=/nonexistent')
    assert r.returncode == 0, r.stderr
    assert 'seconds / floor' in r.stdout and "authors' C++ rows skipped: no include/Fsa.h in /nonexistent" in r.stdout


@pytest.mark.skipif(not os.environ.get('GENPRUNE_AUTHORS_FSA') or not (shutil.which('g++') or shutil.which('c++')),
                    reason='set GENPRUNE_AUTHORS_FSA to a checkout of github.com/barbua/FSA (and have a C++ compiler)')
def test_bench_fsa_times_the_authors_solver_beside_ours():
    r = genprune('bench', 'fsa', '--device', 'cpu', '--set', 'dataset=none', '--set', 'ks=5,', '--set', 'n_samples=200',
                 '--set', 'solvers=liblinear,', '--set', 'repeats=1', '--set', f"authors_fsa={os.environ['GENPRUNE_AUTHORS_FSA']}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("authors' C++") == 3


def test_bench_busy_measures_beside_a_busy_process():
    r = genprune('bench', 'busy', '--set', 'repeats=1')
    assert r.returncode == 0, r.stderr
    assert 'busy_over_idle' in r.stdout and 'GENPRUNE_THREADS=keep' in r.stdout
