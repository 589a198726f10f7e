"""The docs build without quarto, serve every asset themselves, and every page renders in headless Chromium,
formulas typeset by the site's own MathJax.

Screenshots are kept in _artifacts/docs/ for a person to look at."""
import json, re, shutil, subprocess, sys
from pathlib import Path

import pytest
from PIL import Image


ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = next((shutil.which(c) for c in ('chromium', 'chromium-browser', 'google-chrome') if shutil.which(c)), None)
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--hide-scrollbars',
         '--virtual-time-budget=15000']  # lets MathJax finish typesetting before the DOM is dumped


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    # In a process of its own: nbdev's doc processing executes every exported cell, and the chapters' cells register
    # their own copies of classes (SERLU, ...) into the library's registries, which would leak into later tests.
    out = tmp_path_factory.mktemp('site')/'site'
    code = 'import json, sys\nfrom genprune_nb.docs import build_docs\nprint(json.dumps([str(p) for p in build_docs(sys.argv[1])]))'
    r = subprocess.run([sys.executable, '-c', code, str(out)], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    return [Path(p) for p in json.loads(r.stdout.strip().splitlines()[-1])]


def test_site_has_index_and_a_page_per_notebook(site):
    assert site[0].name == 'index.html'
    assert len(site) == len(list((ROOT/'nbs').glob('*.ipynb')))
    models = next(p for p in site if p.name == 'models.html').read_text()
    assert 'mlp' in models and 'Registry' in models  # API docs from show_doc
    assert '#| export' not in models and 'default_exp' not in models


def test_pages_need_nothing_outside_the_site(site):
    root = site[0].parent
    assert (root/'mathjax'/'MathJax.js').exists()
    for page in site:
        text = page.read_text()
        # what a page loads: scripts, styles, images, fonts (links to other sites are fine, loads are not)
        loads = re.findall(r'<(?:script|img|iframe|source)[^>]*\ssrc="([^"]+)"', text) + re.findall(r'<link[^>]*\shref="([^"]+)"', text)
        loads += re.findall(r'@import\s+(?:url\()?["\']?([^"\')\s]+)', text)
        outside = [u for u in loads if re.match(r'(https?:)?//', u)]
        assert not outside, f'{page.name} loads {outside[:3]} from outside the site'
        local = [u.split('?')[0] for u in loads if not u.startswith('data:')]
        missing = [u for u in local if not (root/u).exists()]
        assert not missing, f'{page.name} loads {missing[:3]}, which the site does not have'


@pytest.mark.skipif(CHROMIUM is None, reason='Chromium is not installed (Debian: apt-get install chromium): pages not rendered')
def test_pages_render_in_chromium(site, tmp_path):
    shots = ROOT/'_artifacts'/'docs'
    shots.mkdir(parents=True, exist_ok=True)
    for page in site:
        url = page.resolve().as_uri()
        profile = ['--user-data-dir=' + str(tmp_path/'profile')]
        dom = subprocess.run([CHROMIUM, *FLAGS, *profile, '--dump-dom', url], capture_output=True, text=True, timeout=120).stdout
        assert '<nav>' in dom and 'class="title"' in dom, f'{page.name} did not render'
        assert 'Traceback (most recent call last)' not in dom, f'{page.name} shows an error'
        assert 'Math Processing Error' not in dom, f'{page.name}: MathJax failed on a formula'
        if page.name == 'tetris.html':  # its first paragraph holds $P_{min}$ and a displayed formula
            assert dom.count('class="MathJax"') >= 5 and 'MathJax_Display' in dom, 'tetris.html: formulas were not typeset'
        shot = shots/(page.stem + '.png')
        subprocess.run([CHROMIUM, *FLAGS, *profile, '--window-size=1280,1600', f'--screenshot={shot}', url],
                       capture_output=True, timeout=120)
        img = Image.open(shot).convert('L')
        lo, hi = img.getextrema()
        assert hi - lo > 100 and len(img.getcolors(1 << 16) or []) > 20, f'{page.name} rendered blank'
