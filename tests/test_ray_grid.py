"""run_grid on Ray (a local Ray with 2 CPUs): the same numbers as the local backend, a lost worker's run retried, a
killed driver resumed without training the finished runs again, and one clear error for each kind of bad input."""
import json, os, signal, socket, subprocess, sys, textwrap, time
from pathlib import Path

import pytest
import torch

ray = pytest.importorskip('ray', reason='Ray is not installed (pip install -e ".[ray]")')

from genprune_nb.data import load_dataset
from genprune_nb.harness import _key, grid_options, run_grid, run_experiment
from genprune_nb.paper.experiments import train_mlp


@pytest.fixture(scope='module')
def local_ray():
    ray.init(address='local', num_cpus=2, include_dashboard=False, logging_level='WARNING')
    yield
    ray.shutdown()


def test_digits_grid_identical_under_both_backends(local_ray, tmp_path):
    data = load_dataset('digits')
    def _digits_train(cfg, seed, ck): return train_mlp(data, cfg, seed, 3, 'cpu', ck)  # a closure: Ray ships it by value
    cfgs = [dict(act=act, hidden=[32], batch_size=64, lr=1e-3) for act in ('relu', 'serlu', 'maxout')]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the thread count a Ray run with one CPU gets: float32 reductions depend on it
    try: local = run_grid(cfgs, [0, 1], _digits_train, tmp_path/'local')
    finally: torch.set_num_threads(threads)
    remote = run_grid(cfgs, [0, 1], _digits_train, tmp_path/'ray', backend='ray', cpus_per_run=1)
    timings = [c for c in local.columns if 'time' in c]
    assert local.drop(columns=timings).equals(remote.drop(columns=timings))
    assert remote.attrs['grid']['backend'] == 'ray' and remote.attrs['grid']['nodes'][0]['cpus'] == 2
    assert sorted(p.name for p in (tmp_path/'ray').iterdir()) == sorted(f'{_key(c, s)}.json' for c in cfgs for s in (0, 1))


def test_a_lost_worker_is_retried_and_the_grid_completes(local_ray, tmp_path):
    marks = tmp_path/'marks'; marks.mkdir()
    def flaky(cfg, seed, ck):
        attempt = len(list(marks.glob(f"{cfg['x']}-{seed}-*")))
        (marks/f"{cfg['x']}-{seed}-{attempt}").touch()
        if cfg['x'] == 1 and seed == 0 and attempt == 0: os._exit(1)  # the worker process dies mid-run, once
        return dict(value=cfg['x']*10 + seed), None
    runs = run_grid([dict(x=0), dict(x=1)], [0, 1], flaky, tmp_path/'partial', backend='ray')
    assert list(runs.value) == [0, 1, 10, 11]
    assert len(list(marks.glob('1-0-*'))) == 2 and len(list(marks.glob('0-0-*'))) == 1


DRIVER = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from genprune_nb.harness import run_grid
    marks, partial = Path(sys.argv[1]), Path(sys.argv[2])
    def slow(cfg, seed, ck):
        (marks/f"{cfg['x']}-{seed}-{time.time_ns()}").touch()
        time.sleep(1.5)
        return dict(value=cfg['x']*10 + seed), None
    runs = run_grid([dict(x=x) for x in range(4)], [0, 1], slow, partial, backend='ray', address=sys.argv[3] if len(sys.argv) > 3 else None)
    print('values', list(runs.value))
''')


def test_a_killed_driver_loses_only_the_runs_in_flight(tmp_path):
    marks, partial = tmp_path/'marks', tmp_path/'partial'
    marks.mkdir()
    script = tmp_path/'driver.py'; script.write_text(DRIVER)
    driver = subprocess.Popen([sys.executable, str(script), str(marks), str(partial)], start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while len(list(partial.glob('*.json'))) < 3 and time.time() < deadline and driver.poll() is None: time.sleep(0.1)
    os.killpg(driver.pid, signal.SIGKILL); driver.wait()
    finished = {p.stem for p in partial.glob('*.json')}
    assert 3 <= len(finished) < 8, f'{len(finished)} runs had finished when the driver was killed'
    before = {m.name for m in marks.iterdir()}
    again = subprocess.run([sys.executable, str(script), str(marks), str(partial)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert 'values [0, 1, 10, 11, 20, 21, 30, 31]' in again.stdout
    rerun = {'-'.join(m.split('-')[:2]) for m in {m.name for m in marks.iterdir()} - before}
    done_cells = {f'{x}-{s}' for x in range(4) for s in (0, 1) if _key(dict(x=x), s) in finished}
    assert rerun and not (rerun & done_cells), f'finished runs trained again: {rerun & done_cells}'


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def test_a_grid_runs_on_a_cluster_started_with_ray_start(tmp_path):
    "What the chapter tells a user to do: `ray start --head`, then the grid through its address, with Ray's token."
    env = {**os.environ, 'RAY_AUTH_MODE': 'token'}
    port = _closed_port()
    # `ray start` records its address here for later ray.init() calls; leave the file as the test found it
    current = Path('/tmp/ray/ray_current_cluster')
    before = current.read_text() if current.exists() else None
    head = subprocess.Popen(['ray', 'start', '--head', f'--port={port}', '--num-cpus=2', '--include-dashboard=false', '--block'],
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try: socket.create_connection(('127.0.0.1', port), timeout=1).close(); break
            except OSError: time.sleep(0.5)
        marks, partial = tmp_path/'marks', tmp_path/'partial'
        marks.mkdir(); script = tmp_path/'driver.py'; script.write_text(DRIVER)
        r = subprocess.run([sys.executable, str(script), str(marks), str(partial), f'127.0.0.1:{port}'], env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert 'values [0, 1, 10, 11, 20, 21, 30, 31]' in r.stdout and len(list(partial.glob('*.json'))) == 8
    finally:
        os.killpg(head.pid, signal.SIGKILL); head.wait(timeout=60)  # the head and every process it started
        if before is None: current.unlink(missing_ok=True)
        else: current.write_text(before)


def test_an_unreachable_address_is_a_clear_error_within_30_s(tmp_path):
    address = f'127.0.0.1:{_closed_port()}'
    t = time.perf_counter()
    with pytest.raises(ValueError, match=f'cannot reach a Ray cluster at address={address!r}'):
        run_grid([dict(x=1)], [0], lambda c, s, ck: ({}, None), tmp_path, backend='ray', address=address)
    assert time.perf_counter() - t < 30 and not list(tmp_path.iterdir())


def test_resources_the_cluster_cannot_give_are_named(local_ray, tmp_path):
    with pytest.raises(ValueError, match=r'no node of the Ray cluster has cpus_per_run=1 CPUs and gpus_per_run=1 GPUs'):
        run_grid([dict(x=1)], [0], lambda c, s, ck: ({}, None), tmp_path, backend='ray', gpus_per_run=1)
    with pytest.raises(ValueError, match=r'cpus_per_run=3 CPUs'):
        run_grid([dict(x=1)], [0], lambda c, s, ck: ({}, None), tmp_path, backend='ray', cpus_per_run=3)
    assert not list(tmp_path.iterdir())


def test_without_ray_the_error_says_how_to_install_it(tmp_path):
    code = ('import sys; sys.modules["ray"] = None\n'
            'from genprune_nb.harness import run_grid\n'
            'run_grid([dict(x=1)], [0], lambda c, s, ck: ({}, None), backend="ray")')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and 'needs Ray, which is not installed: pip install -e ".[ray]"' in r.stderr


def test_the_cli_runs_a_grid_on_ray_and_records_the_cluster(tmp_path):
    out = tmp_path/'demo'
    r = subprocess.run(['genprune', 'run', 'demo', '--epochs', '1', '--seeds', '1', '--hidden', '16', '--device', 'cpu',
                        '--out', str(out), '--backend', 'ray', '--cpus-per-run', '1'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    grid = json.loads((out/'demo.json').read_text())['grid']
    assert grid['backend'] == 'ray' and grid['cpus_per_run'] == 1 and grid['nodes'][0]['cpus'] >= 1


@pytest.mark.parametrize('args, message', [
    (('--backend', 'spark'), "backend='spark' is not known; allowed values: local, ray"),
    (('--address', '127.0.0.1:1'), '--address needs --backend ray'),
    (('--backend', 'ray', '--address', 'CLOSED'), 'cannot reach a Ray cluster at address='),
    (('--backend', 'ray', '--gpus-per-run', '4'), 'gpus_per_run=4 GPUs'),
])
def test_bad_grid_options_on_the_cli_are_clear_errors_and_write_nothing(tmp_path, args, message):
    args = tuple(f'127.0.0.1:{_closed_port()}' if a == 'CLOSED' else a for a in args)
    out = tmp_path/'out'
    r = subprocess.run(['genprune', 'run', 'demo', '--epochs', '1', '--seeds', '1', '--out', str(out), *args],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr
    assert not out.exists() or not [p for p in out.rglob('*') if p.is_file()]
