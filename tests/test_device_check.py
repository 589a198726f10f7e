"""`genprune device-check`: on the CPU within its budget, as CI runs it; a budget too small leaves valid JSON files;
and, when GENPRUNE_TEST_DEVICE names a CUDA device, the exactness checks on that device."""
import json, os, shutil, subprocess, time

import pytest
import torch

GENPRUNE = shutil.which('genprune')
DEVICE = os.environ.get('GENPRUNE_TEST_DEVICE', 'cpu')
OK = {'passed', 'measured', 'skipped', 'unavailable'}


def device_check(out, *args):
    t = time.perf_counter()
    r = subprocess.run([GENPRUNE, 'device-check', '--out', str(out), *args], capture_output=True, text=True, timeout=600)
    return r, time.perf_counter() - t


def records(out):
    return {p.stem: json.loads(p.read_text()) for p in out.glob('*.json') if p.stem != 'summary'}


@pytest.mark.skipif(GENPRUNE is None, reason='the genprune console script is not installed (pip install -e ".[dev]")')
def test_the_device_check_runs_on_the_cpu_within_its_budget(tmp_path):
    r, wall = device_check(tmp_path, '--device', 'cpu', '--budget', '60')
    assert r.returncode == 0, r.stdout + r.stderr
    found = records(tmp_path)
    ran = {name: rec for name, rec in found.items() if rec['status'] != 'skipped'}
    assert len(ran) >= 4, sorted(found)
    for name, rec in found.items():
        bad = rec['status'] not in OK and not (rec['status'] == 'error' and 'DatasetNotFoundError' in rec['error'])
        assert not bad, (name, rec.get('error') or [c for c in rec.get('checks', []) if not c['passed']])
        assert rec['provenance']['device'].startswith('cpu') and rec['provenance']['git_commit'] not in ('', 'unknown')
    assert {found[p]['status'] for p in ('layers', 'masks', 'compact', 'fsa', 'training')} == {'passed'}
    summary = json.loads((tmp_path/'summary.json').read_text())
    assert summary['elapsed_s'] <= 60 + 10, summary['elapsed_s']  # a part is only started when its estimate fits


@pytest.mark.skipif(GENPRUNE is None, reason='the genprune console script is not installed (pip install -e ".[dev]")')
def test_a_budget_too_small_still_leaves_valid_json(tmp_path):
    r, _ = device_check(tmp_path, '--device', 'cpu', '--budget', '0.5')
    assert r.returncode == 0, r.stderr
    found = records(tmp_path)
    assert len(found) >= 4 and {rec['status'] for rec in found.values()} == {'skipped'}
    assert all(rec['reason'].startswith('budget:') and rec['provenance']['git_commit'] for rec in found.values())


@pytest.mark.skipif(not DEVICE.startswith('cuda'), reason='GENPRUNE_TEST_DEVICE is not cuda: the CPU run is checked above')
@pytest.mark.skipif(DEVICE.startswith('cuda') and not torch.cuda.is_available(), reason='GENPRUNE_TEST_DEVICE=cuda, but CUDA is not available here')
def test_the_exactness_checks_pass_on_the_device(tmp_path):
    from genprune_nb.paper.device_check import device_check as check
    check(DEVICE, budget=600, out=tmp_path, parts=('layers', 'masks', 'compact', 'fsa', 'training'), progress=False)
    failed = {name: [c for c in rec.get('checks', []) if not c['passed']] or rec.get('error')
              for name, rec in records(tmp_path).items() if rec['status'] != 'passed'}
    assert not failed, failed
