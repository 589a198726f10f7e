"""The notebooks are the source: exporting must not change genprune_nb/, cleaning must not change nbs/,
and README.md is what `genprune docs` writes from nbs/index.ipynb."""
import shutil, subprocess, sys
from pathlib import Path

from genprune_nb.docs import readme_text

ROOT = Path(__file__).resolve().parent.parent


def _copy(tmp_path):
    for name in ('settings.ini', 'setup.py', 'README.md'):
        shutil.copy2(ROOT/name, tmp_path/name)
    for name in ('nbs', 'genprune_nb'):
        shutil.copytree(ROOT/name, tmp_path/name, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints'))
    return tmp_path


def _files(folder, pattern):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob(pattern)) if '__pycache__' not in p.parts}


def _run(tool, cwd):
    code = f'from nbdev.{tool[0]} import {tool[1]}; {tool[1]}.__wrapped__()'
    subprocess.run([sys.executable, '-c', code], cwd=cwd, check=True, capture_output=True, text=True)


def test_export_leaves_library_unchanged(tmp_path):
    copy = _copy(tmp_path)
    before = _files(copy/'genprune_nb', '*.py')
    _run(('doclinks', 'nbdev_export'), copy)
    after = _files(copy/'genprune_nb', '*.py')
    changed = sorted(str(k) for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f'nbdev_export changes {changed}: run nbdev_export and commit genprune_nb/'


def test_notebooks_are_clean(tmp_path):
    copy = _copy(tmp_path)
    before = _files(copy/'nbs', '*.ipynb')
    _run(('clean', 'nbdev_clean'), copy)
    after = _files(copy/'nbs', '*.ipynb')
    changed = sorted(str(k) for k in before if before[k] != after.get(k))
    assert not changed, f'nbdev_clean changes {changed}: run nbdev_clean and commit nbs/'


def test_readme_is_generated_from_index():
    assert (ROOT/'README.md').read_text(encoding='utf-8') == readme_text(ROOT/'nbs'/'index.ipynb'), \
        'README.md is out of date: run `genprune docs`'
