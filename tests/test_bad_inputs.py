"""Bad and extreme inputs across the public API and the CLI: each is a clear error raised before any work, or a correct
result. Like scikit-learn's `check_estimator`, for our functions, modules and command line.

A case is *clear* when it raises the expected exception type with a message naming the argument (and, for the CLI,
exits 2 with the option named on standard error); a *result* case may instead return a correct result. Anything else
is *unclear* (another exception, or a message that does not name the argument) or *silent* (no error and a wrong
result). `python tests/test_bad_inputs.py` prints the counts.
"""
from __future__ import annotations
import contextlib, gzip, io, json, math, os, stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch
from torch import nn

import genprune_nb as gp
from genprune_nb import data as gdata
from genprune_nb.harness import run_grid


@dataclass
class Case:
    """`call()` must raise `raises` with every string of `names` in its message; when `check` is given it may instead
    return a value for which `check(value)` is true, and must when `names` is empty (a valid input wrongly refused is
    unclear)."""
    id: str
    call: Callable
    raises: type | tuple = ValueError
    names: tuple = ()
    check: Callable | None = None


@dataclass
class CliCase:
    "`genprune *argv` must exit 2 with every string of `names` on standard error and no traceback."
    id: str
    argv: list
    names: tuple = ()
    setup: Callable | None = field(default=None, repr=False)


# ---- small inputs, built once -----------------------------------------------------------------------------------
def _x(*shape): return torch.randn(*shape, generator=torch.Generator().manual_seed(0))

def _split(n=48, n_features=8, n_classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(n, n_features, generator=g), torch.randint(0, n_classes, (n,), generator=g)
    return gp.DataSplit('toy', x, y, x[:16].clone(), y[:16].clone(), n_classes)

def _model(n_in=8, n_out=3): torch.manual_seed(0); return gp.mlp(n_in, (16,), n_out)

def _fit(**kw):
    args = dict(model=_model(), data=_split(), epochs=1, device='cpu', progress=False)
    return gp.fit(**{**args, **kw})

def _xy(n=80, n_features=10, seed=0, scale=1.):
    "Two informative features, 3 and 7: an arbitrary pick (the first k) would not find them."
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features))
    y = (X[:, 3] + 0.5*X[:, 7] > 0).astype(int)
    return X*scale, y

def _fsa(cls=None, **kw): return (cls or gp.FSAClassifier)(**{'n_iter': 40, 'k': 2, 'random_state': 0, **kw})

def _fsa_support_unchanged_by_scale(scale):
    X, y = _xy()
    big = _fsa().fit(X*scale, y)
    return np.array_equal(np.flatnonzero(big.support_), [3, 7]) and big.score(X*scale, y) == _fsa().fit(X, y).score(X, y)

def _fsa_regressor_scale_free(scale):
    X, y = _xy(); y = X[:, 0] - 2*X[:, 3] + 0.1*np.random.default_rng(1).standard_normal(len(X))
    small, big = _fsa(gp.FSARegressor).fit(X, y), _fsa(gp.FSARegressor).fit(X, y*scale)
    pred = big.predict(X)
    return (np.isfinite(big.coef_).all() and np.isfinite(pred).all() and np.array_equal(small.support_, big.support_)
            and np.allclose(pred/scale, small.predict(X), rtol=1e-4, atol=1e-6))

def _nan_layer():
    m = _model(); m[0].weight.data[0, :3] = float('nan'); return m

def _tetris_scale_free():
    w = _x(32, 32); big = w/w.abs().max()*3.3e38
    return torch.equal(gp.tetris_mask(big, 10), gp.tetris_mask(w, 10))

def _resnet_like():
    class Net(nn.Module):
        def __init__(self): super().__init__(); self.a = nn.Linear(8, 8); self.b = nn.Linear(8, 3)
        def forward(self, x): return self.b(self.a(x) + x)
    return Net()

def _checkpoint(tmp: Path, kind: str) -> Path:
    path = tmp/f'{kind}.pt'
    if kind == 'garbage': path.write_bytes(b'not a checkpoint at all')
    else:
        _fit(checkpoint=path)
        if kind == 'truncated': path.write_bytes(path.read_bytes()[:200])
    return path

def _other_architecture(tmp: Path):
    path = _checkpoint(tmp, 'other')
    return gp.fit(gp.mlp(8, (32,), 3), _split(), epochs=2, device='cpu', progress=False, checkpoint=path)

def _bad_gzip(tmp: Path, truncate: bool):
    "A copy of MNIST's folder whose training images are cut short or are not gzip at all."
    spec = gdata.DATASETS['mnist']
    root = tmp/'data'; folder = root/spec.name; folder.mkdir(parents=True)
    for f in spec.files:
        (folder/(f.name + '.gz')).write_bytes(gzip.compress(b'\0'*64) if not truncate else gzip.compress(b'\0'*4096)[:50])
    return gp.load_dataset('mnist', root=root, download_missing=False)

def _edited_record(tmp: Path):
    train = lambda cfg, seed, checkpoint: (dict(acc=0.5 + cfg['a']/10), None)
    run_grid([dict(a=1)], [0], train, resume_dir=tmp)
    record = next(tmp.glob('*.json'))
    rec = json.loads(record.read_text()); rec['row']['a'] = 2; record.write_text(json.dumps(rec))
    return run_grid([dict(a=1)], [0], train, resume_dir=tmp)

def _broken_record(tmp: Path):
    train = lambda cfg, seed, checkpoint: (dict(acc=0.5), None)
    run_grid([dict(a=1)], [0], train, resume_dir=tmp)
    next(tmp.glob('*.json')).write_text('{"row": {"a": 1, "ac')
    return run_grid([dict(a=1)], [0], train, resume_dir=tmp)

def _unwritable(tmp: Path) -> Path:
    "A path whose folder cannot be created: its parent is a file."
    (tmp/'file').write_text('x'); return tmp/'file'/'sub'/'ck.pt'


# ---- the cases --------------------------------------------------------------------------------------------------
# Functions taking `tmp` get a fresh temporary folder.
x4 = _x(5, 4)
CASES = [
    # activations and dropouts
    Case('maxout-pool-0', lambda: gp.maxout(x4, 0), names=('pool_size',)),
    Case('maxout-pool-float', lambda: gp.maxout(x4, 2.5), names=('pool_size',)),
    Case('maxout-width', lambda: gp.maxout(x4, 3), names=('pool_size',)),
    Case('Maxout-pool-0', lambda: gp.Maxout(0), names=('pool_size',)),
    Case('Maxout-width', lambda: gp.Maxout(3)(x4), names=('pool_size',)),
    Case('channel_out-select', lambda: gp.channel_out(x4, 2, select='min'), names=('select',)),
    Case('channel_out-width', lambda: gp.channel_out(x4, 3), names=('pool_size',)),
    Case('ChannelOut-pool-neg', lambda: gp.ChannelOut(-1), names=('pool_size',)),
    Case('serlu-not-tensor', lambda: gp.serlu([1., 2.]), TypeError, ('x',)),
    Case('shift_dropout-p-1.5', lambda: gp.shift_dropout(x4, 1.5), names=('p',)),
    Case('shift_dropout-p-neg', lambda: gp.shift_dropout(x4, -0.1), names=('p',)),
    Case('shift_dropout-p-str', lambda: gp.shift_dropout(x4, '0.5'), names=('p',)),
    Case('shift_dropout-f_min-nan', lambda: gp.shift_dropout(x4, 0.5, f_min=float('nan')), names=('f_min',)),
    Case('ShiftDropout-p-1', lambda: gp.ShiftDropout(1.0), names=('p',)),
    Case('ShiftDropout-numpy-p', lambda: gp.ShiftDropout(np.float32(0.3)), check=lambda m: abs(m.p - 0.3) < 1e-6),
    Case('shift_dropout-not-tensor', lambda: gp.shift_dropout(np.ones(4), 0.5), TypeError, ('x',)),
    # models and registries
    Case('mlp-n_in-0', lambda: gp.mlp(0), names=('n_in',)),
    Case('mlp-n_in-str', lambda: gp.mlp('8'), names=('n_in',)),
    Case('mlp-hidden-0', lambda: gp.mlp(8, (0,)), names=('hidden',)),
    Case('mlp-hidden-str', lambda: gp.mlp(8, (8, 'x')), names=('hidden',)),
    Case('mlp-n_out-0', lambda: gp.mlp(8, (8,), 0), names=('n_out',)),
    Case('mlp-act', lambda: gp.mlp(8, act='relux'), names=('act',)),
    Case('mlp-dropout', lambda: gp.mlp(8, dropout='bogus', p=0.2), names=('dropout',)),
    Case('mlp-p-1', lambda: gp.mlp(8, dropout='alpha', p=1.0), names=('p',)),
    Case('mlp-p-str', lambda: gp.mlp(8, dropout='standard', p='0.2'), names=('p',)),
    Case('mlp-numpy-p', lambda: gp.mlp(8, (8,), dropout='standard', p=np.float32(0.3)), check=lambda m: any(abs(getattr(l, 'p', 0) - 0.3) < 1e-6 for l in m)),
    Case('mlp-numpy-sizes', lambda: gp.mlp(np.int64(8), (np.int64(6),), np.int64(3)), check=lambda m: m[0].in_features == 8 and m[-1].out_features == 3),
    Case('mlp-pool-0', lambda: gp.mlp(8, act='maxout', pool_size=0), names=('pool_size',)),
    Case('mlp-pool-width', lambda: gp.mlp(8, (7,), act='maxout', pool_size=2), names=('pool_size',)),
    Case('count_parameters-None', lambda: gp.count_parameters(None), TypeError, ('model',)),
    Case('lecun_normal_-conv', lambda: gp.lecun_normal_(nn.Conv2d(1, 1, 3)), TypeError, ('linear',)),
    Case('register_activation-make', lambda: gp.register_activation('bad-make', 5), TypeError, ('make',)),
    Case('register_activation-init', lambda: gp.register_activation('bad-init', lambda w: nn.ReLU(), init='xavier'), names=('init',)),
    Case('register_dropout-name', lambda: gp.register_dropout(3, lambda p: nn.Dropout(p)), TypeError, ('name',)),
    Case('resolve_device', lambda: gp.resolve_device('tpu'), names=('device',)),
    Case('resolve_device-int', lambda: gp.resolve_device(3), names=('device',)),
    # data
    Case('load_dataset-name', lambda: gp.load_dataset('cifar'), names=('dataset',)),
    Case('DataSplit-lengths', lambda: gp.DataSplit('t', _x(4, 2), torch.zeros(3, dtype=torch.long), _x(2, 2), torch.zeros(2, dtype=torch.long), 2), names=('y_train',)),
    Case('DataSplit-n_classes', lambda: gp.DataSplit('t', _x(4, 2), torch.zeros(4, dtype=torch.long), _x(2, 2), torch.zeros(2, dtype=torch.long), 0), names=('n_classes',)),
    Case('DataSplit-labels', lambda: gp.DataSplit('t', _x(4, 2), torch.tensor([0, 1, 2, 5]), _x(2, 2), torch.zeros(2, dtype=torch.long), 3), names=('y_train',)),
    Case('DataSplit-widths', lambda: gp.DataSplit('t', _x(4, 2), torch.zeros(4, dtype=torch.long), _x(2, 3), torch.zeros(2, dtype=torch.long), 2), names=('x_test',)),
    Case('subset-0', lambda: _split().subset(n_train=0), names=('n_train',)),
    Case('subset-seed-str', lambda: _split().subset(n_train=4, seed='a'), names=('seed',)),
    Case('data-truncated-gzip', lambda tmp: _bad_gzip(tmp, truncate=True), names=('train-images-idx3-ubyte', 'delete')),
    Case('data-not-mnist', lambda tmp: _bad_gzip(tmp, truncate=False), names=('train-images-idx3-ubyte', 'delete')),
    # fit and evaluate
    Case('fit-epochs-0', lambda: _fit(epochs=0), names=('epochs',)),
    Case('fit-lr-0', lambda: _fit(lr=0), names=('lr',)),
    Case('fit-lr-inf', lambda: _fit(lr=math.inf), names=('lr',)),
    Case('fit-lr-nan', lambda: _fit(lr=math.nan), names=('lr',)),
    Case('fit-lr-str', lambda: _fit(lr='0.1'), names=('lr',)),
    Case('fit-lr-1e30', lambda: _fit(lr=1e30), (ValueError, FloatingPointError), ('lr',)),
    Case('fit-batch_size-0', lambda: _fit(batch_size=0), names=('batch_size',)),
    Case('fit-optimizer', lambda: _fit(optimizer='adamx'), names=('optimizer',)),
    Case('fit-weight_decay-neg', lambda: _fit(weight_decay=-1.), names=('weight_decay',)),
    Case('fit-weight_decay-str', lambda: _fit(weight_decay='a'), names=('weight_decay',)),
    Case('fit-seed-str', lambda: _fit(seed='a'), names=('seed',)),
    Case('fit-seed-float', lambda: _fit(seed=1.5), names=('seed',)),
    Case('fit-numpy-seed', lambda: _fit(seed=np.int64(3)), check=lambda r: r.summary['seed'] == 3),
    Case('fit-numpy-sizes', lambda: _fit(epochs=np.int64(1), batch_size=np.int32(16), lr=np.float32(1e-3)), check=lambda r: len(r.history) == 1),
    Case('fit-device', lambda: _fit(device='tpu'), names=('device',)),
    Case('fit-callbacks-object', lambda: _fit(callbacks=[object()]), TypeError, ('callbacks',)),
    Case('fit-callbacks-single', lambda: _fit(callbacks=gp.Callback()), TypeError, ('callbacks',)),
    Case('fit-eval_batch_size-0', lambda: _fit(eval_batch_size=0), names=('eval_batch_size',)),
    Case('fit-compile-str', lambda: _fit(compile='yes'), names=('compile',)),
    Case('fit-progress-str', lambda: _fit(progress='yes'), names=('progress',)),
    Case('fit-model-None', lambda: _fit(model=None), TypeError, ('model',)),
    Case('fit-data-tuple', lambda: _fit(data=(_x(4, 8), torch.zeros(4))), TypeError, ('data',)),
    Case('fit-input-width', lambda: _fit(model=gp.mlp(5, (8,), 3)), names=('model', 'data')),
    Case('fit-few-outputs', lambda: _fit(model=gp.mlp(8, (8,), 2)), names=('model', 'n_classes')),
    Case('fit-checkpoint-garbage', lambda tmp: _fit(checkpoint=_checkpoint(tmp, 'garbage')), names=('garbage.pt', 'delete')),
    Case('fit-checkpoint-truncated', lambda tmp: _fit(checkpoint=_checkpoint(tmp, 'truncated')), names=('truncated.pt', 'delete')),
    Case('fit-checkpoint-architecture', _other_architecture, names=('other.pt', 'delete')),
    Case('fit-checkpoint-unwritable', lambda tmp: _fit(checkpoint=_unwritable(tmp)), names=('checkpoint',)),
    Case('evaluate-batch_size-0', lambda: gp.evaluate(_model(), _x(4, 8), torch.zeros(4, dtype=torch.long), 0), names=('batch_size',)),
    Case('evaluate-width', lambda: gp.evaluate(_model(), _x(4, 5), torch.zeros(4, dtype=torch.long)), names=('x',)),
    Case('evaluate-lengths', lambda: gp.evaluate(_model(), _x(4, 8), torch.zeros(3, dtype=torch.long)), names=('y',)),
    Case('evaluate-None', lambda: gp.evaluate(None, _x(4, 8), torch.zeros(4, dtype=torch.long)), TypeError, ('model',)),
    # the schedule
    Case('schedule-M-0', lambda: gp.annealing_schedule(0, 1, 0, 10, 10.), names=('M',)),
    Case('schedule-k-above-M', lambda: gp.annealing_schedule(10, 20, 0, 10, 10.), names=('k',)),
    Case('schedule-epoch', lambda: gp.annealing_schedule(10, 2, 11, 10, 10.), names=('epoch',)),
    Case('schedule-n_epochs', lambda: gp.annealing_schedule(10, 2, 0, 0, 10.), names=('n_epochs',)),
    Case('schedule-mu', lambda: gp.annealing_schedule(10, 2, 0, 10, -1.), names=('mu',)),
    Case('schedule-mu-str', lambda: gp.annealing_schedule(10, 2, 0, 10, '1'), names=('mu',)),
    Case('schedule-M-str', lambda: gp.annealing_schedule('10', 2, 0, 10, 1.), TypeError, ('M',)),
    Case('schedule-numpy', lambda: gp.annealing_schedule(np.int64(100), np.int64(10), np.int64(5), np.int64(10), np.float32(10.)),
         check=lambda n: n == gp.annealing_schedule(100, 10, 5, 10, 10.)),
    # masks
    Case('apply_mask-shape', lambda: gp.apply_mask(nn.Linear(4, 3), 'weight', torch.ones(4, 3)), names=('mask',)),
    Case('apply_mask-name', lambda: gp.apply_mask(nn.Linear(4, 3), 'wieght', torch.ones(3, 4)), names=('name',)),
    Case('apply_mask-values', lambda: gp.apply_mask(nn.Linear(4, 3), 'weight', torch.full((3, 4), 0.5)), names=('mask',)),
    Case('apply_mask-None', lambda: gp.apply_mask(None, 'weight', torch.ones(3, 4)), TypeError, ('module',)),
    Case('apply_mask-not-tensor', lambda: gp.apply_mask(nn.Linear(4, 3), 'weight', np.ones((3, 4))), TypeError, ('mask',)),
    Case('get_mask-name', lambda: gp.get_mask(nn.Linear(4, 3), 'wieght'), names=('name',)),
    Case('get_mask-None', lambda: gp.get_mask(None), TypeError, ('module',)),
    Case('remove_masks-None', lambda: gp.remove_masks(None), TypeError, ('model',)),
    Case('sparsity_report-None', lambda: gp.sparsity_report(None), TypeError, ('model',)),
    Case('sparsity_report-example_input', lambda: gp.sparsity_report(_model(), _x(2, 5)), names=('example_input',)),
    Case('register_layer_kind-kind', lambda: gp.register_layer_kind(nn.ReLU, 'weird'), names=('kind',)),
    Case('register_layer_kind-cls', lambda: gp.register_layer_kind('ReLU', 'pointwise'), TypeError, ('cls',)),
    # magnitude and annealed pruning
    Case('magnitude-compression-0', lambda: gp.magnitude_prune(_model(), 0.), names=('compression',)),
    Case('magnitude-compression-1.5', lambda: gp.magnitude_prune(_model(), 1.5), names=('compression',)),
    Case('magnitude-scope', lambda: gp.magnitude_prune(_model(), 0.5, scope='glob'), names=('scope',)),
    Case('magnitude-granularity', lambda: gp.magnitude_prune(_model(), 0.5, granularity='row'), names=('granularity',)),
    Case('magnitude-parameters', lambda: gp.magnitude_prune(_model(), 0.5, parameters=['nope.weight']), names=('parameters',)),
    Case('magnitude-None', lambda: gp.magnitude_prune(None, 0.5), TypeError, ('model',)),
    Case('magnitude-no-weights', lambda: gp.magnitude_prune(nn.ReLU(), 0.5), names=('model',)),
    Case('magnitude-nan-layer', lambda: gp.magnitude_prune(_nan_layer(), 0.5), names=('0.weight', 'NaN')),
    Case('magnitude-nan-global', lambda: gp.magnitude_prune(_nan_layer(), 0.5, scope='global'), names=('0.weight', 'NaN')),
    Case('magnitude-nan-unit', lambda: gp.magnitude_prune(_nan_layer(), 0.5, granularity='unit'), names=('0.weight', 'NaN')),
    Case('magnitude-numpy-compression', lambda: gp.magnitude_prune(_model(), np.float32(0.5)), check=lambda m: gp.count_parameters(m)[0] < gp.count_parameters(_model())[0]),
    Case('annealed-numpy', lambda: gp.AnnealedPruning(_model(), np.float32(0.5), np.int64(4), mu=np.float64(5.)), check=lambda p: p.n_epochs == 4),
    Case('annealed-n_epochs-0', lambda: gp.AnnealedPruning(_model(), 0.5, 0), names=('n_epochs',)),
    Case('annealed-mu-neg', lambda: gp.AnnealedPruning(_model(), 0.5, 10, mu=-1.), names=('mu',)),
    Case('annealed-compression', lambda: gp.AnnealedPruning(_model(), 2., 10), names=('compression',)),
    Case('annealed-None', lambda: gp.AnnealedPruning(None, 0.5, 10), TypeError, ('model',)),
    Case('annealed-step-epoch', lambda: gp.AnnealedPruning(_model(), 0.5, 10).step(11), names=('epoch',)),
    Case('annealed-nan', lambda: (lambda m: _fit(model=m, callbacks=[gp.AnnealedPruning(m, 0.5, 1)]))(_nan_layer()), (ValueError, FloatingPointError), ('NaN',)),
    Case('annealed-state', lambda: gp.AnnealedPruning(_model(), 0.5, 10).load_state_dict({'bogus': 1}), names=('state',)),
    # compact and sparse
    Case('compact-example_input', lambda: gp.compact(gp.magnitude_prune(_model(), 0.5, granularity='unit'), _x(2, 5)), names=('example_input',)),
    Case('compact-example_input-None', lambda: gp.compact(_model(), None), TypeError, ('example_input',)),
    Case('compact-None', lambda: gp.compact(None, _x(2, 8)), TypeError, ('model',)),
    Case('compact-residual', lambda: (lambda m: (m, gp.compact(m, _x(4, 8))))(gp.magnitude_prune(_resnet_like(), 0.5, granularity='unit', example_input=_x(2, 8))),
         check=lambda pair: torch.allclose(pair[0].eval()(_x(4, 8)), pair[1].eval()(_x(4, 8)), atol=1e-6)),
    # unit groups
    Case('unit_groups-None', lambda: gp.unit_groups(None), TypeError, ('model',)),
    Case('unit_groups-residual-no-example', lambda: gp.unit_groups(_resnet_like()), names=('example_input',)),
    Case('unit_groups-example-width', lambda: gp.unit_groups(_resnet_like(), _x(2, 5)), names=('example_input',)),
    Case('unit_groups-example-str', lambda: gp.unit_groups(_resnet_like(), 'x'), TypeError, ('example_input',)),
    Case('unit_groups-output-layer', lambda: gp.unit_groups(_model(), parameters=['out.weight']), names=('parameters',)),
    Case('unit_groups-residual', lambda: gp.unit_groups(_resnet_like(), _x(2, 8)), check=lambda groups: [g.size for g in groups] == [8]),
    Case('UnitGroup-mask-shape', lambda: gp.unit_groups(_model())[0].mask(torch.ones(3, dtype=torch.bool)), names=('keep',)),
    Case('UnitGroup-mask-dtype', lambda: gp.unit_groups(_model())[0].mask(torch.ones(16)), names=('keep',)),
    Case('magnitude-unit-residual-no-example', lambda: gp.magnitude_prune(_resnet_like(), 0.5, granularity='unit'), names=('example_input',)),
    Case('magnitude-score', lambda: gp.magnitude_prune(_model(), 0.5, granularity='unit', score='bogus'), names=('score',)),
    Case('magnitude-score-weights', lambda: gp.magnitude_prune(_model(), 0.5, score='incoming+outgoing'), names=('score',)),
    Case('magnitude-score-no-batchnorm', lambda: gp.magnitude_prune(_model(), 0.5, granularity='unit', score='batchnorm'), names=('batchnorm',)),
    Case('UnitGroup-scores-kind', lambda: gp.unit_groups(_model())[0].scores('outgoing'), names=('kind',)),
    Case('annealed-unit-residual', lambda: gp.AnnealedPruning(_resnet_like(), 0.5, 2, granularity='unit', example_input=_x(2, 8)), check=lambda p: p.sizes == [8]),
    Case('to_sparse-max_density', lambda: gp.to_sparse(_model(), 0.), names=('max_density',)),
    Case('to_sparse-None', lambda: gp.to_sparse(None), TypeError, ('model',)),
    Case('SparseLinear-conv', lambda: gp.SparseLinear(nn.Conv2d(1, 1, 3)), TypeError, ('linear',)),
    # Tetris
    Case('tetris-numpy-bins', lambda: gp.tetris_mask(_x(4, 4), np.int64(3)), check=lambda m: m.shape == (4, 4)),
    Case('tetris-n_bins-0', lambda: gp.tetris_mask(_x(4, 4), 0), names=('n_bins',)),
    Case('tetris-int-weights', lambda: gp.tetris_mask(torch.ones(4, 4, dtype=torch.long), 10), TypeError, ('w',)),
    Case('tetris-nan', lambda: gp.tetris_mask(torch.tensor([[1., float('nan')]]), 10), names=('w', 'NaN')),
    Case('tetris-empty', lambda: gp.tetris_mask(torch.empty(0, 4), 10), names=('w',)),
    Case('tetris-near-float-max', _tetris_scale_free, names=('w',), check=bool),
    Case('tetris_unstructured-name', lambda: gp.tetris_unstructured(nn.Linear(4, 3), 'wieght', 10), names=('name',)),
    # channel (N:M) pruning
    Case('channel_mask-numpy', lambda: gp.channel_mask(_x(4, 4), np.int64(2), np.int32(1)), check=lambda m: m.sum().item() == 8),
    Case('channel_mask-0d', lambda: gp.channel_mask(torch.tensor(1.), 2), names=('w',)),
    Case('channel_mask-pool-0', lambda: gp.channel_mask(_x(4, 4), 0), names=('pool_size',)),
    Case('channel_mask-keep', lambda: gp.channel_mask(_x(4, 4), 2, keep=3), names=('keep',)),
    Case('channel_mask-short-pool', lambda: gp.channel_mask(_x(4, 6), 4), check=lambda m: m.sum(1).tolist() == [2]*4),  # documented
    Case('channel_mask-nan', lambda: gp.channel_mask(torch.tensor([[1., float('nan')]]), 2), names=('w', 'NaN')),
    Case('channel_unstructured-pool', lambda: gp.channel_unstructured(nn.Linear(4, 4), pool_size=0), names=('pool_size',)),
    Case('to_semi_structured-None', lambda: gp.to_semi_structured(None), TypeError, ('model',)),
    # FSA
    Case('fsa-numpy-k', lambda: _fsa(k=np.int64(2), mu=np.float32(30.)).fit(*_xy()), check=lambda f: f.support_.sum() == 2),
    Case('fsa-k-0', lambda: _fsa(k=0).fit(*_xy()), names=('k',)),
    Case('fsa-k-above', lambda: _fsa(k=100).fit(*_xy()), names=('k',)),
    Case('fsa-k-float', lambda: _fsa(k=1.5).fit(*_xy()), names=('k',)),
    Case('fsa-loss', lambda: _fsa(loss='hinge').fit(*_xy()), names=('loss',)),
    Case('fsa-n_iter', lambda: _fsa(n_iter=0).fit(*_xy()), names=('n_iter',)),
    Case('fsa-mu', lambda: _fsa(mu=-1).fit(*_xy()), names=('mu',)),
    Case('fsa-lr', lambda: _fsa(lr='fast').fit(*_xy()), names=('lr',)),
    Case('fsa-lr-inf', lambda: _fsa(lr=math.inf).fit(*_xy()), names=('lr',)),
    Case('fsa-momentum', lambda: _fsa(momentum=1.5).fit(*_xy()), names=('momentum',)),
    Case('fsa-shrinkage', lambda: _fsa(shrinkage=-1).fit(*_xy()), names=('shrinkage',)),
    Case('fsa-warmup', lambda: _fsa(warmup=-1).fit(*_xy()), names=('warmup',)),
    Case('fsa-tol', lambda: _fsa(tol=-1).fit(*_xy()), names=('tol',)),
    Case('fsa-batch_size', lambda: _fsa(batch_size=0).fit(*_xy()), names=('batch_size',)),
    Case('fsa-device', lambda: _fsa(device='tpu').fit(*_xy()), names=('device',)),
    Case('fsa-class_weight-negative', lambda: _fsa(class_weight={0: -1., 1: 1.}).fit(*_xy()), names=('class_weight',)),
    Case('fsa-class_weight-zero', lambda: _fsa(class_weight={0: 0., 1: 0.}).fit(*_xy()), names=('class_weight',)),
    Case('fsa-class_weight-str', lambda: _fsa(class_weight='even').fit(*_xy()), names=('class_weight',)),
    Case('fsa-nan-X', lambda: _fsa().fit(np.full((10, 3), np.nan), np.arange(10) % 2), names=('NaN',)),
    Case('fsa-one-class', lambda: _fsa().fit(_xy()[0], np.zeros(80)), names=('class',)),
    Case('fsa-predict-features', lambda: _fsa().fit(*_xy()).predict(np.ones((2, 3))), names=('features',)),
    Case('fsa-X-1e300', lambda: _fsa_support_unchanged_by_scale(1e300), names=('X',), check=bool),
    Case('fsa-X-1e-300', lambda: _fsa_support_unchanged_by_scale(1e-300), names=('X',), check=bool),
    Case('fsa-regressor-y-1e200', lambda: _fsa_regressor_scale_free(1e200), names=('y',), check=bool),
    Case('fsa-regressor-y-1e-200', lambda: _fsa_regressor_scale_free(1e-200), names=('y',), check=bool),
    Case('ExactlyK-k', lambda: gp.ExactlyK(_fsa(), 0).fit(*_xy()), names=('k',)),
    Case('ExactlyK-param', lambda: gp.ExactlyK(_fsa(), 2, param='nope').fit(*_xy()), names=('param',)),
    Case('ExactlyK-max_fits', lambda: gp.ExactlyK(_fsa(), 2, max_fits=0).fit(*_xy()), names=('max_fits',)),
    # the pipeline
    Case('choose-compressions', lambda: gp.choose_compression(*_xy(), compressions=[0.]), names=('compressions',)),
    Case('choose-tolerance', lambda: gp.choose_compression(*_xy(), tolerance=-1), names=('tolerance',)),
    Case('choose-cv', lambda: gp.choose_compression(*_xy(), cv=1), names=('cv',)),
    Case('prune_at_init-compression', lambda: gp.prune_at_init(_model(), 0.), names=('compression',)),
    Case('prune_at_init-scope', lambda: gp.prune_at_init(_model(), 0.5, scope='x'), names=('scope',)),
    Case('prune_at_init-features', lambda: gp.prune_at_init(_model(), 0.5, first_layer_features=[100]), names=('first_layer_features',)),
    Case('prune_at_init-None', lambda: gp.prune_at_init(None, 0.5), TypeError, ('model',)),
    Case('FSAPrunedNet-tolerance', lambda: gp.FSAPrunedNet(tolerance=-1).fit(_split()), names=('tolerance',)),
    Case('FSAPrunedNet-data', lambda: gp.FSAPrunedNet().fit(_xy()), TypeError, ('data',)),
    Case('FSAPrunedNet-compression', lambda: gp.FSAPrunedNet(epochs=1).fit(_split(), compression=2.), names=('compression',)),
    Case('FSAPrunedNet-hidden', lambda: gp.FSAPrunedNet(hidden=(0,), epochs=1).fit(_split(), compression=0.5), names=('hidden',)),
    # resume records
    Case('record-edited', _edited_record, names=('.json', 'delete')),
    Case('record-truncated', _broken_record, names=('.json', 'delete')),
]

CLI_CASES = [
    CliCase('seeds-abc', ['run', 'demo', '--seeds', 'abc'], ('--seeds',)),
    CliCase('seeds-empty', ['run', 'demo', '--seeds', ','], ('--seeds',)),
    CliCase('hidden-x', ['run', 'demo', '--hidden', '8,x'], ('--hidden',)),
    CliCase('set-lr-abc', ['run', 'demo', '--set', 'lr=abc'], ('lr',)),
    CliCase('set-no-equals', ['run', 'demo', '--set', 'lr'], ('--set',)),
    CliCase('set-unknown', ['run', 'demo', '--set', 'bogus=1'], ('bogus',)),
    CliCase('epochs-0', ['run', 'demo', '--epochs', '0'], ('epochs',)),
    CliCase('n-train-0', ['run', 'demo', '--n-train', '0'], ('n_train',)),
    CliCase('device', ['run', 'demo', '--device', 'tpu'], ('device',)),
    CliCase('dataset', ['run', 'demo', '--dataset', 'cifar'], ('dataset',)),
    CliCase('experiment', ['run', 'nope'], ('experiment',)),
    CliCase('backend', ['run', 'demo', '--backend', 'slurm'], ('backend',)),
    CliCase('cpus-per-run', ['run', 'demo', '--backend', 'ray', '--cpus-per-run', '0'], ('cpus_per_run',)),
    CliCase('out-is-file', ['run', 'demo', '--out', '{tmp}/file'], ('out=',), setup=lambda tmp: (tmp/'file').write_text('x')),
    CliCase('out-unwritable', ['run', 'demo', '--out', '{tmp}/file/sub'], ('out=',), setup=lambda tmp: (tmp/'file').write_text('x')),
    CliCase('reproduce-tables', ['reproduce', '--tables', '9', '--list', '--out', '{tmp}/r'], ('tables',)),
    CliCase('reproduce-tables-x', ['reproduce', '--tables', 'x', '--list', '--out', '{tmp}/r'], ('--tables',)),
    CliCase('bench-name', ['bench', 'nope'], ('benchmark',)),
    CliCase('bench-set', ['bench', 'masks', '--set', 'bogus=1'], ('bogus',)),
    CliCase('device-check-size', ['device-check', '--size', 'huge', '--out', '{tmp}/d'], ('size',)),
    CliCase('device-check-budget', ['device-check', '--budget', '-1', '--out', '{tmp}/d'], ('budget',)),
    CliCase('device-check-parts', ['device-check', '--parts', 'nope', '--out', '{tmp}/d'], ('parts',)),
]


# ---- classification ---------------------------------------------------------------------------------------------
def _call(case: Case, tmp: Path):
    return case.call(tmp) if case.call.__code__.co_argcount == 1 else case.call()

def classify(case: Case, tmp: Path) -> tuple[str, str]:
    "('clear' | 'unclear' | 'silent', what happened)."
    try:
        with torch.random.fork_rng(), np.errstate(all='ignore'): value = _call(case, tmp)
    except Exception as e:
        text = f'{type(e).__name__}: {e}'
        if case.names and isinstance(e, case.raises) and all(n.lower() in str(e).lower() for n in case.names): return 'clear', text
        return 'unclear', text
    if case.check is not None and case.check(value): return 'clear', 'correct result'
    return 'silent', f'returned {type(value).__name__}'

def classify_cli(case: CliCase, tmp: Path) -> tuple[str, str]:
    from genprune_nb.cli import main
    if case.setup: case.setup(tmp)
    argv = [a.replace('{tmp}', str(tmp)) for a in case.argv]
    if '--out' not in argv and argv[0] in ('run', 'demo'): argv += ['--out', str(tmp/'out')]
    err, out = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out): code = main(argv)
    except SystemExit as e: code = e.code
    except Exception as e: return 'unclear', f'{type(e).__name__}: {e}'
    text = err.getvalue()
    if code == 2 and all(n in text for n in case.names) and 'Traceback' not in text: return 'clear', text.strip()
    return ('silent' if code == 0 else 'unclear'), f'exit {code}: {text.strip()[-300:]}'


@pytest.mark.parametrize('case', CASES, ids=[c.id for c in CASES])
def test_bad_input(case, tmp_path):
    verdict, what = classify(case, tmp_path)
    assert verdict == 'clear', what


@pytest.mark.parametrize('case', CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_bad_cli_input(case, tmp_path):
    verdict, what = classify_cli(case, tmp_path)
    assert verdict == 'clear', what


def test_cli_errors_write_nothing(tmp_path):
    "A refused command leaves no output folder behind."
    out = tmp_path/'out'
    verdict, _ = classify_cli(CliCase('x', ['run', 'demo', '--hidden', '8,x', '--out', str(out)], ('--hidden',)), tmp_path)
    assert verdict == 'clear' and not out.exists()


def test_the_suite_fails_when_a_check_is_removed(monkeypatch, tmp_path):
    "Remove one check (fit's learning-rate check) and its cases turn unclear or silent: the suite can fail."
    import genprune_nb.training as training
    cases = [c for c in CASES if c.id in ('fit-lr-inf', 'fit-lr-str', 'fit-lr-0')]
    assert [classify(c, tmp_path)[0] for c in cases] == ['clear']*3
    monkeypatch.setattr(training, 'check_number', lambda name, value, *a, **k: value)
    assert all(classify(c, tmp_path)[0] != 'clear' for c in cases)


def test_result_files_honour_the_umask(tmp_path):
    "Results, resume records and checkpoints are 0644 under umask 022, as any file the user writes: readable by the team."
    import pandas as pd
    from genprune_nb.harness import write_results
    old = os.umask(0o022)
    try:
        runs = run_grid([dict(a=1)], [0], lambda cfg, seed, ck: (dict(acc=0.5), None), resume_dir=tmp_path/'partial')
        files = write_results(tmp_path/'out', 'toy', runs, pd.DataFrame(dict(a=[1])), dict(note='x'))
        _fit(checkpoint=tmp_path/'ck.pt')
        for path in [*files, *(tmp_path/'partial').glob('*.json'), tmp_path/'ck.pt']:
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    finally: os.umask(old)


def survey() -> dict:
    "Every case classified: the counts, and what happened in each unclear or silent one."
    import tempfile
    counts, failures = dict(clear=0, unclear=0, silent=0), []
    for case in CASES + CLI_CASES:
        with tempfile.TemporaryDirectory() as tmp:
            verdict, what = (classify if isinstance(case, Case) else classify_cli)(case, Path(tmp))
        counts[verdict] += 1
        if verdict != 'clear': failures.append(f'{verdict:8} {case.id}: {what[:200]}')
    return dict(counts=counts, failures=failures)


if __name__ == '__main__':
    import warnings; warnings.simplefilter('ignore')
    s = survey()
    print('\n'.join(s['failures']))
    print(s['counts'], 'of', sum(s['counts'].values()))
