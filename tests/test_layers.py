"""The package's three layers and what users read of it.

Methods import no harness and no paper; the harness imports no method; the paper sits on top of both; the command line
imports the paper explicitly and nothing loads a module by name. Chapters come in dependency order, and every public
name documents its parameters in numpydoc style."""
import ast, importlib, inspect, json, re, subprocess, sys, textwrap
from pathlib import Path

import pytest
from fastcore.docscrape import NumpyDocString

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT/'genprune_nb'
MODULES = sorted('.'.join(p.relative_to(ROOT).with_suffix('').parts) for p in PKG.rglob('*.py') if p.name != '_modidx.py')


def layer(module: str) -> str:
    "The layer of a module of the package, by its dotted name."
    name = module.removeprefix('genprune_nb').lstrip('.').removesuffix('.__init__')
    if name == '': return 'api'  # genprune_nb/__init__.py: the methods, re-exported
    top = name.split('.')[0]
    return {'core': 'base', 'harness': 'harness', 'paper': 'paper', 'cli': 'cli', 'docs': 'tools'}.get(top, 'methods')


# what each layer may import (besides itself)
ALLOWED = {'base': {'base'}, 'methods': {'base', 'methods'}, 'harness': {'base', 'harness'}, 'tools': {'base', 'tools'},
           'paper': {'base', 'methods', 'harness', 'paper'}, 'cli': {'base', 'methods', 'harness', 'paper', 'tools', 'cli'},
           'api': {'base', 'methods'}}


def _is_module(dotted: str) -> bool:
    path = ROOT/Path(*dotted.split('.'))
    return path.with_suffix('.py').exists() or (path/'__init__.py').exists()


def package_imports(module: str) -> set[str]:
    "The modules of the package that `module` imports anywhere in its source (relative imports resolved)."
    path = ROOT/Path(*module.split('.'))
    path = path.with_suffix('.py') if path.with_suffix('.py').exists() else path/'__init__.py'
    package = module.split('.')[:-1] if path.name != '__init__.py' else module.split('.')
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split('.')[0] == 'genprune_nb'}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level: base = '.'.join(package[:len(package) - node.level + 1] + ([base] if base else []))
            if base.split('.')[0] != 'genprune_nb': continue
            # `from genprune_nb import paper` imports a module; `from genprune_nb import fit` the package itself
            found |= {f'{base}.{a.name}' if _is_module(f'{base}.{a.name}') else base for a in node.names}
    return found


@pytest.mark.parametrize('module', MODULES)
def test_imports_only_go_down(module):
    mine = layer(module)
    bad = sorted(m for m in package_imports(module) if layer(m) not in ALLOWED[mine])
    assert not bad, f'{module} ({mine}) imports {bad} ({[layer(m) for m in bad]}); a {mine} module may import only {sorted(ALLOWED[mine])}'


def test_the_layer_rules_would_catch_a_wrong_import():
    "The checker itself: a method importing the harness, or the harness a method, is found."
    assert layer('genprune_nb.prune.magnitude') == 'methods' and layer('genprune_nb.harness') not in ALLOWED['methods']
    assert layer('genprune_nb.models') not in ALLOWED['harness'] and layer('genprune_nb.paper.experiments') not in ALLOWED['api']
    assert 'genprune_nb.harness' in package_imports('genprune_nb.paper.experiments')
    assert 'genprune_nb.paper' in package_imports('genprune_nb.paper.experiments')  # `from .. import paper`


def test_nothing_is_loaded_by_name():
    for path in PKG.rglob('*.py'):
        text = path.read_text()
        for pattern in ('import_module(', '__import__(', 'importlib.util', 'spec_from_file_location'):
            assert pattern not in text, f'{path.relative_to(ROOT)} loads a module by name ({pattern})'


METHOD_MODULES = [m.removesuffix('.__init__') for m in MODULES if layer(m) in ('methods', 'api', 'base')]
FORBIDDEN = ('matplotlib', 'ray', 'genprune_nb.harness', 'genprune_nb.paper', 'genprune_nb.cli', 'genprune_nb.docs')


def _loaded_after(statements: str) -> set[str]:
    "The modules a fresh interpreter holds after running `statements`."
    code = f'import sys, json\n{statements}\nprint(json.dumps(sorted(sys.modules)))'
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300, cwd=ROOT/'tests')
    assert r.returncode == 0, r.stderr
    return set(json.loads(r.stdout.strip().splitlines()[-1]))


def test_a_method_comes_without_harness_paper_plots_or_ray():
    """In a fresh interpreter: the issue's own line, then every method module, load none of matplotlib, Ray, the
    harness, the paper or the CLI."""
    loaded = _loaded_after('from genprune_nb import AnnealedPruning, compact, FSAClassifier, fit\n' +
                           '\n'.join(f'import {m}' for m in METHOD_MODULES))
    assert set(METHOD_MODULES) <= loaded
    bad = sorted(m for m in loaded if m.split('.')[0] in FORBIDDEN[:2] or m.startswith(FORBIDDEN[2:]))
    assert not bad, f'importing the methods loads {bad[:8]}'


def test_pruning_does_not_load_scikit_learn():
    "FSA and the pipeline load on first use: a user of the pruning methods does not wait for scikit-learn."
    loaded = _loaded_after('import genprune_nb.prune.magnitude, genprune_nb.prune.compact\nfrom genprune_nb import mlp, fit')
    assert 'sklearn' not in loaded and 'genprune_nb.fsa.estimators' not in loaded
    assert 'genprune_nb.fsa.estimators' in _loaded_after('from genprune_nb import FSAClassifier')


def test_the_cli_imports_the_paper_explicitly():
    assert {'genprune_nb.paper.experiments', 'genprune_nb.paper.benchmarks'} <= package_imports('genprune_nb.cli')


# -- chapters in dependency order -----------------------------------------------------------------------------------
NOTEBOOKS = sorted((ROOT/'nbs').glob('*.ipynb'), key=lambda p: p.name)


def _cells(nb: Path) -> list[str]:
    return [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']


def test_chapters_come_in_dependency_order():
    "A chapter imports only modules written by itself or by an earlier chapter (nbdev exports in this order too)."
    owner, problems = {}, []
    for i, nb in enumerate(NOTEBOOKS):
        for src in _cells(nb):
            for line in src.splitlines():
                if line.startswith('#| default_exp '):
                    owner[f"genprune_nb.{line.split()[-1]}".removesuffix('.__init__')] = i
    owner['genprune_nb.paper'] = owner['genprune_nb.paper.experiments']  # the package appears with its first module
    for i, nb in enumerate(NOTEBOOKS):
        for src in _cells(nb):
            tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.ImportFrom) and (node.module or '').split('.')[0] == 'genprune_nb':
                    names = [f'{node.module}.{a.name}' if f'{node.module}.{a.name}' in owner else node.module for a in node.names]
                elif isinstance(node, ast.Import): names = [a.name for a in node.names if a.name.startswith('genprune_nb')]
                for name in names:
                    if owner.get(name, len(NOTEBOOKS)) > i:
                        problems.append(f'{nb.name} imports {name}, written by a later chapter')
    assert not problems, problems


# -- every public name documents its parameters ----------------------------------------------------------------------
def _returns_value(fn) -> bool:
    "Whether the function's own body (not a nested one) returns or yields a value."
    body = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    stack, found = list(body.body), False
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)): continue
        if isinstance(node, ast.Return) and node.value is not None: found = True
        if isinstance(node, (ast.Yield, ast.YieldFrom)): found = True
        stack.extend(ast.iter_child_nodes(node))
    return found


def _documented(doc: NumpyDocString) -> set[str]:
    names = set()
    params = doc['Parameters']  # fastcore's parser gives a dict by name; numpydoc's a list
    for p in (params.values() if isinstance(params, dict) else params):
        names |= {n.strip().lstrip('*') for n in p.name.split(',')}
    return names


def _problems(qualname: str, fn, params, doc_text: str | None) -> list[str]:
    if not doc_text: return [f'{qualname}: no docstring']
    doc = NumpyDocString(textwrap.dedent(doc_text))
    out = []
    missing = [p for p in params if p not in _documented(doc)]
    if missing: out.append(f'{qualname}: parameters not documented: {missing}')
    if fn is not None and _returns_value(fn) and not re.search(r'^\s*(Returns|Yields)\n\s*-{3,}$', doc_text, re.M):
        out.append(f'{qualname}: returns a value but has no Returns section')
    return out


def _params(obj, skip_first=False) -> list[str]:
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return []
    # a class without an __init__ of its own (an nn.Module) shows its base's (*args, **kwargs): nothing to document
    var = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    names = [n for n, p in sig.parameters.items() if not (inspect.isclass(obj) and p.kind in var)]
    return names[1:] if skip_first and names else names


def _public_api_problems(module_name: str) -> list[str]:
    mod = importlib.import_module(module_name)
    problems = []
    for name in getattr(mod, '__all__', []):
        obj = getattr(mod, name)
        if getattr(obj, '__module__', None) != mod.__name__: continue  # re-exported: checked where it is defined
        if inspect.isclass(obj):
            params = [] if issubclass(obj, BaseException) else _params(obj)
            problems += _problems(name, None, params, obj.__doc__)
            for attr, member in vars(obj).items():
                if attr.startswith('_'): continue
                fn = getattr(member, 'fn', member)  # scikit-learn's available_if wraps the method
                if isinstance(fn, property): problems += [] if fn.__doc__ else [f'{name}.{attr}: no docstring']
                elif inspect.isfunction(fn): problems += _problems(f'{name}.{attr}', fn, _params(fn, skip_first=True), fn.__doc__)
        elif inspect.isfunction(obj):
            problems += _problems(name, obj, _params(obj), obj.__doc__)
    return problems


@pytest.mark.parametrize('module', [m for m in MODULES if not m.endswith('__init__') or m == 'genprune_nb.__init__'])
def test_every_public_name_documents_its_parameters(module):
    problems = _public_api_problems(module.removesuffix('.__init__'))
    assert not problems, '\n'.join(problems)


def test_the_docstring_check_can_fail():
    def f(a, b):
        """Do it.

        Parameters
        ----------
        a : int
            An a.
        """
        return a
    assert _problems('f', f, _params(f), f.__doc__) == ["f: parameters not documented: ['b']", 'f: returns a value but has no Returns section']
    assert _problems('g', None, ['x'], None) == ['g: no docstring']
