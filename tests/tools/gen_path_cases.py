#!/usr/bin/env python3
"""Generates the reference test tables of `crates/juggler/tests/path_reference.rs`.

Run it with the Python that has the reference (`hat-json`, installed with
`hat-juggler==0.6.26`)::

    /tmp/refvenv/bin/python tests/tools/gen_path_cases.py

It writes two files under `crates/juggler/tests/fixtures/`:

`path_cases.json`
    `{"reference": ..., "cases": [case, ...]}` where a case is one of

    - `{"op": "get", "data", "path", "default", "expected", "found"}`:
      `expected` is `hat.json.path.get(data, path, default)`; `found` tells
      whether the path names a value (computed with a sentinel default), so a
      stored `null` is told apart from a missing path.
    - `{"op": "set", "data", "path", "value", "expected"}`:
      `expected` is `hat.json.path.set_(data, path, value)`.
    - `{"op": "remove", "data", "path", "expected"}`:
      `expected` is `hat.json.path.remove(data, path)`.

    Optional members: `"flatten": true` when `path` is not a flat list of
    steps (a nested list, or a bare string or integer) and must be read with
    `juggler::Path::from_json`; `"raises": true` (and no `expected`) when the
    reference raises `ValueError` for the path; `"note"`: what the case is
    about.

`diff_cases.json`
    `{"reference": ..., "cases": [{"src", "dst", "ref_diff",
    "ref_diff_reaches_dst", "note"?}, ...]}`: `ref_diff` is
    `hat.json.diff(src, dst)` computed on documents that share no objects
    (as when they come off the wire), for information; `ref_diff_reaches_dst`
    tells whether `hat.json.patch(src, ref_diff)` gives `dst` exactly (it
    does not when the reference's equality treats `1` and `1.0` as equal).

Everything `expected` is computed by the reference here; nothing is written
by hand. The random parts use fixed seeds, so the output is deterministic.
"""

import importlib.metadata
import json
import pathlib
import random
import sys

from hat import json as hjson

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / 'crates' / 'juggler' / 'tests' / 'fixtures'

_MISSING = object()


def _copy(data):
    """A deep copy sharing no objects (as if decoded from the wire)."""
    return json.loads(json.dumps(data))


def _canonical(data):
    """Text that is equal exactly when two documents are equal as JSON
    values with strict number and boolean kinds (`1` != `1.0` != `true`)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _needs_flatten(path):
    if not isinstance(path, list):
        return True
    return any(isinstance(step, list) for step in path)


def _base(op, data, path, note):
    case = {'op': op, 'data': _copy(data), 'path': _copy(path)}
    if _needs_flatten(path):
        case['flatten'] = True
    if note:
        case['note'] = note
    return case


def case_get(data, path, default=None, note=None):
    case = _base('get', data, path, note)
    case['default'] = _copy(default)
    try:
        result = hjson.get(_copy(data), _copy(path), _copy(default))
        found = hjson.get(_copy(data), _copy(path), _MISSING)
    except ValueError:
        case['raises'] = True
        return case
    case['expected'] = _copy(result)
    case['found'] = found is not _MISSING
    return case


def case_set(data, path, value, note=None):
    case = _base('set', data, path, note)
    case['value'] = _copy(value)
    src = _copy(data)
    try:
        result = hjson.set_(src, _copy(path), _copy(value))
    except ValueError:
        case['raises'] = True
        return case
    # the reference must not have changed its argument
    assert _canonical(src) == _canonical(data)
    case['expected'] = _copy(result)
    return case


def case_remove(data, path, note=None):
    case = _base('remove', data, path, note)
    src = _copy(data)
    try:
        result = hjson.remove(src, _copy(path))
    except ValueError:
        case['raises'] = True
        return case
    assert _canonical(src) == _canonical(data)
    case['expected'] = _copy(result)
    return case


# ---------------------------------------------------------------- hand-written

SCALARS = [None, True, False, 0, -1, 7, 1.5, '', 'x', 'abc']
DOCS = [*SCALARS, [], [1], [1, 2, 3], {}, {'a': 1}, {'a': {'b': [1, 2]}}]
SPECIAL_KEYS = ['a/b', '/', '~', '~1', '~0', '~01', 'a~/b', '', '-', '0',
                '01', ' ', 'é', '日本', 'emoji 🎉', 'tab\tnl\n', 'q"uote',
                'back\\slash', 'nul\u0000']


def hand_path_cases():
    cases = []

    # empty path on every kind of document
    for doc in DOCS:
        cases.append(case_get(doc, [], note='empty path'))
        cases.append(case_get(doc, [], 'dflt', note='empty path, default'))
        cases.append(case_set(doc, [], 42, note='empty path'))
        cases.append(case_set(doc, [], {'z': [None]}, note='empty path'))
        cases.append(case_set(doc, [], _copy(doc), note='empty path, same'))
        cases.append(case_remove(doc, [], note='remove root'))

    # string steps on objects
    obj = {'a': 1, 'b': None, 'c': {'d': [1, {'e': 'f'}]}}
    cases += [
        case_get(obj, ['a']),
        case_get(obj, ['b'], 'dflt', note='stored null beats default'),
        case_get(obj, ['zz'], note='missing key'),
        case_get(obj, ['zz'], {'d': 1}, note='missing key, default'),
        case_get(obj, ['c', 'd', 1, 'e']),
        case_get(obj, ['c', 'd', -1, 'e']),
        case_get(obj, ['c', 'd', 0, 'e'], 5, note='number parent'),
        case_get(obj, ['c', 'd', 'e'], 5, note='array parent, key step'),
        case_get(obj, ['a', 'x'], note='number parent'),
        case_get(obj, ['b', 'x'], 3, note='null parent'),
        case_get(obj, ['c', 'd', 1, 'e', 'g'], 3, note='string parent'),
        case_get(obj, ['c', 'd', 1, 'e', 0], 3, note='string parent, index'),
        case_get({'0': 'zero'}, ['0'], note='numeric-looking key'),
        case_get({'0': 'zero'}, [0], 'd', note='index on object'),
        case_get(['zero'], ['0'], 'd', note='key on array'),
        case_get(True, ['a'], 'd', note='bool parent'),
        case_get('abc', [0], 'd', note='string parent, index'),
    ]
    for parent in [5, 1.5, 'abc', '', [1, 2], [], None, True, False]:
        cases.append(case_set(parent, ['a'], 1, note='wrong-kind parent'))
        cases.append(case_set({'p': parent}, ['p', 'a'], [1],
                              note='nested wrong-kind parent'))
        cases.append(case_remove(parent, ['a'], note='wrong-kind parent'))
        cases.append(case_remove({'p': parent}, ['p', 'a'],
                                 note='nested wrong-kind parent'))
    cases += [
        case_set(obj, ['a'], 2, note='replace member'),
        case_set(obj, ['a'], 1, note='same value'),
        case_set(obj, ['b'], None, note='same null'),
        case_set(obj, ['b'], 0, note='replace null member'),
        case_set(obj, ['zz'], {'n': []}, note='add member'),
        case_set(obj, ['zz', 'y', 'x'], True, note='add nested members'),
        case_set(obj, ['c', 'd', 1, 'e'], 'g'),
        case_set(obj, ['c', 'd', 1, 'new'], 'g'),
        case_set(obj, ['c', 'd', 1, 'e', 'g'], 1, note='string parent'),
        case_set(obj, ['c', 'd', 'e'], 1, note='array parent, key step'),
        case_set(obj, ['c', 'd', 0, 'e'], 1, note='number parent'),
        case_set(obj, ['c'], {'d': [1, {'e': 'f'}]}, note='same object'),
        case_set({'a': 1, 'b': 2, 'c': 3}, ['b'], 9, note='keeps key order'),
        case_set({'0': 'zero'}, [0], 'x', note='index on object'),
        case_set(['zero'], ['0'], 'x', note='key on array'),
        case_remove(obj, ['a']),
        case_remove(obj, ['b'], note='null member'),
        case_remove(obj, ['c'], note='whole subtree'),
        case_remove(obj, ['zz'], note='missing key'),
        case_remove(obj, ['zz', 'y'], note='missing parent'),
        case_remove(obj, ['c', 'd', 1, 'e']),
        case_remove(obj, ['c', 'd', 1, 'zz'], note='missing key'),
        case_remove(obj, ['c', 'd', 'e'], note='key on array'),
        case_remove(obj, ['a', 'x'], note='number parent'),
        case_remove(obj, ['b', 'x'], note='null parent'),
        case_remove({'a': 1, 'b': 2, 'c': 3}, ['a'], note='keeps key order'),
        case_remove({'a': 1, 'b': 2, 'c': 3, 'd': 4}, ['b'],
                    note='keeps key order'),
        case_remove({'0': 'zero'}, [0], note='index on object'),
        case_remove(['zero'], ['0'], note='key on array'),
    ]

    # integer steps
    arr = [10, 20, 30]
    for i in [0, 1, 2, 3, 4, 100, -1, -2, -3, -4, -5, -100]:
        cases.append(case_get(arr, [i], 'd'))
        cases.append(case_remove(arr, [i]))
    for i in [0, 1, 2, 3, 4, 6, -1, -2, -3, -4, -5, -7]:
        cases.append(case_set(arr, [i], 'v'))
    for i in [0, 1, 3, -1, -2, -4]:
        cases.append(case_set([], [i], 'v', note='empty array'))
        cases.append(case_set(None, [i], 'v', note='null parent'))
        cases.append(case_get([], [i], 'd', note='empty array'))
        cases.append(case_remove([], [i], note='empty array'))
    for parent in [5, 'abc', {'0': 1}, {}, True, None]:
        cases.append(case_set(parent, [0], 'v', note='wrong-kind parent'))
        cases.append(case_set(parent, [2], 'v', note='wrong-kind parent'))
        cases.append(case_set(parent, [-2], 'v', note='wrong-kind parent'))
        cases.append(case_get(parent, [0], 'd', note='wrong-kind parent'))
        cases.append(case_remove(parent, [0], note='wrong-kind parent'))
    cases += [
        case_set([1], [0], 1, note='same value'),
        case_set([1, [2]], [-1], [2], note='same array'),
        case_set([[1]], [0, 0], 1, note='same nested value'),
        case_set([[1]], [0, 1], 2, note='nested append'),
        case_set([[1]], [0, 3], 2, note='nested pad'),
        case_set([[1]], [0, -3], 2, note='nested front pad'),
        case_set([[1]], [-1, -1], 2, note='nested negative'),
        case_set([[1]], [-2, 0], 2, note='front pad, then build'),
        case_set([[1]], [1, 0], 2, note='append, then build'),
        case_set([[1]], [4, 0, 'a'], 2, note='pad, then build'),
        case_remove([[1, 2], [3]], [0, -1]),
        case_remove([[1, 2], [3]], [-1, 0]),
        case_remove([[1, 2], [3]], [-3, 0], note='parent before start'),
        case_remove([[1, 2], [3]], [2, 0], note='parent past end'),
        case_remove([[1, 2], [3]], [1, 1], note='index == len'),
        case_remove([None], [0], note='null element'),
        case_get([None], [0], 'd', note='stored null beats default'),
        case_get([[1, 2], [3]], [1, -1]),
        case_get([[1, 2], [3]], [1, -2], 'd'),
    ]

    # nested creation of mixed object/array chains
    for data in [None, {}, [], 5, {'a': 1}, {'a': [1]}, [{'a': 1}]]:
        cases.append(case_set(data, ['a', 0, 'b', 2, -2], 'x',
                              note='nested creation'))
        cases.append(case_set(data, [0, 'a', -1, 'b'], 'x',
                              note='nested creation'))
        cases.append(case_set(data, [-3, 1, 'c'], {'k': []},
                              note='nested creation'))
    doc = {'a': [1, {'b': 2}], 'c': {'d': None}}
    cases += [
        case_set(doc, ['a', 1, 'c', 0], True),
        case_set(doc, ['a', 5, 'z'], 1),
        case_set(doc, ['a', 2, 'z'], 1),
        case_set(doc, ['a', -1, 'b'], 3),
        case_set(doc, ['a', -3, 'b'], 3),
        case_set(doc, ['a', -2, 'b'], 3, note='number replaced by object'),
        case_set(doc, ['a', 0, 0], 3, note='number replaced by array'),
        case_set(doc, ['c', 'd', 'e'], 3, note='null replaced by object'),
        case_set(doc, ['c', 'd', 1], 3, note='null replaced by array'),
        case_set(doc, ['c', 'd', -2, 'x'], 3),
        case_get(doc, ['a', 1, 'b']),
        case_get(doc, ['c', 'd'], 'd'),
        case_get(doc, ['c', 'd', 'e'], 'd'),
        case_remove(doc, ['a', 1, 'b']),
        case_remove(doc, ['a', -1, 'b']),
        case_remove(doc, ['a', -2, 'b'], note='number parent'),
        case_remove(doc, ['a', 2, 'b'], note='parent past end'),
        case_remove(doc, ['a', -1]),
        case_remove(doc, ['a', -2]),
        case_remove(doc, ['c', 'd']),
        case_remove(doc, ['c', 'd', 'e'], note='null parent'),
    ]

    # keys with '/', '~', unicode and other characters pointers escape
    for key in SPECIAL_KEYS:
        cases.append(case_get({key: 1, 'k': 2}, [key]))
        cases.append(case_get({'k': 2}, [key], 'd', note='missing key'))
        cases.append(case_set({'k': 2}, [key], [1], note='add member'))
        cases.append(case_set({key: 1}, [key], 2, note='replace member'))
        cases.append(case_set({key: {key: 1}}, [key, key], 3))
        cases.append(case_set({key: [1]}, [key, 1, key], 3))
        cases.append(case_set([0], [0, key], 3, note='wrong-kind parent'))
        cases.append(case_remove({key: 1, 'k': 2}, [key]))
        cases.append(case_remove({key: {key: 1, 'k': 2}}, [key, key]))
        cases.append(case_remove({key: [1, 2]}, [key, 0]))

    # paths the reference flattens (nested lists, bare steps)
    nested = {'a': {'b': [1, 2, {'c': 'd'}]}}
    for path in [['a', ['b', 0]], [['a'], [['b']], [-1, 'c']], [[]],
                 [[], [[]]], [[], 'a'], ['a', [], ['b', [2, ['c']]]],
                 'a', 0, -1, '', [['a', 'b'], 5]]:
        cases.append(case_get(nested, path, 'd', note='flattened path'))
        cases.append(case_set(nested, path, 'v', note='flattened path'))
        cases.append(case_remove(nested, path, note='flattened path'))
    cases += [
        case_get([5, 6], 1, note='bare index'),
        case_set([5, 6], -1, 7, note='bare index'),
        case_remove([5, 6], 0, note='bare index'),
        case_set(None, 'a', 1, note='bare key'),
        case_set(None, 3, 1, note='bare index'),
    ]

    # paths the reference rejects (ValueError) when it reaches the bad step
    for bad in [True, False, None, 1.5, 1.0, {'a': 1}]:
        cases.append(case_get([1, 2], [bad], note='invalid step'))
        cases.append(case_set([1, 2], [bad], 1, note='invalid step'))
        cases.append(case_remove([1, 2], [bad], note='invalid step'))
        cases.append(case_get({'a': [1]}, ['a', [bad]],
                              note='invalid nested step'))
    cases.append(case_get([1, 2], True, note='invalid bare step'))
    cases.append(case_set([1, 2], None, 1, note='invalid bare step'))

    # set values of every kind at an existing and a new place
    for value in [*SCALARS, [], {}, [None, [None]], {'a': {'b': {}}}]:
        cases.append(case_set({'a': 0}, ['a'], value, note='value kind'))
        cases.append(case_set([0], [1], value, note='value kind'))

    # defaults of every kind
    for default in [None, 0, False, '', [], {}, [1, {'a': None}]]:
        cases.append(case_get({'a': 1}, ['b'], default, note='default kind'))

    return cases


# ---------------------------------------------------------------------- random

R_KEYS = ['a', 'b', 'c', 'a/b', '~0', 'é', '']
R_SCALARS = [None, True, False, 0, 1, 2, -1, 0.5, '', 'a', 'x/y', '~', 'é']


def random_doc(rng, depth):
    if depth <= 0 or rng.random() < 0.35:
        return rng.choice(R_SCALARS)
    if rng.random() < 0.5:
        return [random_doc(rng, depth - 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(R_KEYS): random_doc(rng, depth - 1)
            for _ in range(rng.randint(0, 4))}


def random_step(rng):
    if rng.random() < 0.5:
        return rng.choice(R_KEYS)
    return rng.randint(-5, 6)


def random_path(rng, doc):
    path = []
    cur = doc
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.75 and isinstance(cur, dict) and cur:
            step = rng.choice(list(cur))
            cur = cur[step]
        elif rng.random() < 0.75 and isinstance(cur, list) and cur:
            step = rng.randint(-len(cur), len(cur) - 1)
            cur = cur[step]
        else:
            step = random_step(rng)
            cur = None
        path.append(step)
    return path


def random_path_cases(seed, count):
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        doc = random_doc(rng, rng.randint(0, 4))
        path = random_path(rng, doc)
        note = f'random {seed}/{n}'
        if rng.random() < 0.15:
            # the reference flattens nested lists: split the path up
            cut = rng.randint(0, len(path))
            path = [path[:cut], [path[cut:]]]
        op = rng.choice(['get', 'set', 'set', 'remove', 'remove'])
        if op == 'get':
            default = rng.choice([None, 'd', []])
            cases.append(case_get(doc, path, default, note=note))
        elif op == 'set':
            if rng.random() < 0.15:
                value = hjson.get(doc, path)  # often a no-op
            else:
                value = random_doc(rng, 2)
            cases.append(case_set(doc, path, value, note=note))
        else:
            cases.append(case_remove(doc, path, note=note))
    return cases


# ------------------------------------------------------------------------ diff

def case_diff(src, dst, note=None):
    src, dst = _copy(src), _copy(dst)
    ref_diff = hjson.diff(_copy(src), _copy(dst))
    patched = hjson.patch(_copy(src), _copy(ref_diff))
    case = {'src': src, 'dst': dst, 'ref_diff': _copy(ref_diff),
            'ref_diff_reaches_dst': _canonical(patched) == _canonical(dst)}
    if note:
        case['note'] = note
    return case


def hand_diff_cases():
    pairs = [
        (None, None), (None, 1), (1, None), (1, 1), (1, 2), (1, 1.0),
        (1.0, 1), (0, False), (True, 1), ('a', 'a'), ('a', 'b'),
        ([], []), ({}, {}), ([], {}), ({}, []), ([], [1]), ([1], []),
        ({}, {'a': 1}), ({'a': 1}, {}), ([1], {'0': 1}), ({'0': 1}, [1]),
        ([1, 2, 3], [1, 2, 3]), ([1, 2, 3], [1, 5, 3]),
        ([1, 2, 3], [1, 3]), ([1, 2, 3], [3]), ([1, 2, 3], [2, 3, 4, 5]),
        ([1, 1, 1], [1]), ([1], [1, 1, 1]), ([1, 2, 1, 2], [2, 1]),
        ([2, 1], [1, 2, 1, 2]), ([1, 2, 3, 4], [4, 3, 2, 1]),
        ([[1], [2]], [[2]]), ([[2]], [[1], [2]]), ([[1], [1]], [[1]]),
        ([{'a': 1}, {'a': 1}, {'b': 2}], [{'b': 2}]),
        ([{'a': 1}], [{'a': 1}, {'a': 1}, {'a': 2}]),
        ([[1, 2], [3]], [[1], [3, 4], [5]]),
        ([None, None], [None]), ([0, False, None, ''], ['', None, False, 0]),
        ({'a': 1, 'b': 2}, {'b': 2, 'a': 1}),
        ({'a': 1, 'b': 2}, {'b': 3, 'c': 4}),
        ({'a': {'b': {'c': [1, 2]}}}, {'a': {'b': {'c': [1, 2, 3]}}}),
        ({'a': {'b': {'c': [1, 2]}}}, {'a': {'b': {'c': []}}}),
        ({'a': {'b': 1}}, {'a': {}}), ({'a': {}}, {'a': {'b': 1}}),
        ({'a': []}, {'a': [[]]}), ({'a': [[]]}, {'a': []}),
        ({'a/b': 1, '~': 2}, {'a/b': 3, '~1': 2}),
        ({'': {'': 1}}, {'': {'': 2, '/': 3}}),
        ({'é': ['日本']}, {'é': ['日本', '🎉']}),
        ({'-': [1]}, {'-': [1, 2]}), ({'0': 1, '1': 2}, {'1': 2, '2': 3}),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [12, 11]),
        ([1, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
        ({'a': [1, {'b': [1, 1, 2]}]}, {'a': [{'b': [2, 1]}, 1, 1]}),
    ]
    return [case_diff(src, dst, note='hand-written') for src, dst in pairs]


D_POOL = [1, 1, 2, None, 'a', [1], [1], {'a': 1}, {'a': 2}, [], {}]


def random_list(rng):
    return [_copy(rng.choice(D_POOL)) for _ in range(rng.randint(0, 7))]


def mutate(rng, doc, steps):
    for _ in range(steps):
        path = random_path(rng, doc)
        r = rng.random()
        if r < 0.3:
            doc = hjson.remove(doc, path)
        elif r < 0.5:
            target = hjson.get(doc, path)
            if isinstance(target, list):
                # insert or delete a (repeated) element somewhere in the list
                target = list(target)
                if target and rng.random() < 0.5:
                    del target[rng.randrange(len(target))]
                else:
                    item = (rng.choice(target) if target and rng.random() < 0.6
                            else rng.choice(D_POOL))
                    target.insert(rng.randint(0, len(target)), _copy(item))
                doc = hjson.set_(doc, path, target)
        else:
            doc = hjson.set_(doc, path, random_doc(rng, 2))
    return doc


def random_diff_cases(seed, count):
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        note = f'random {seed}/{n}'
        kind = rng.random()
        if kind < 0.3:
            src, dst = random_list(rng), random_list(rng)
        elif kind < 0.45:
            src = random_list(rng)
            dst = mutate(rng, src, rng.randint(1, 3))
        elif kind < 0.55:
            src, dst = random_doc(rng, 3), random_doc(rng, 3)
        else:
            src = random_doc(rng, rng.randint(1, 4))
            if rng.random() < 0.5:
                src = {'x': src, 'l': random_list(rng)}
            dst = mutate(rng, src, rng.randint(1, 4))
        cases.append(case_diff(src, dst, note=note))
    return cases


# ------------------------------------------------------------------------ main

def write(name, cases):
    version = importlib.metadata.version('hat-json')
    doc = {'reference': f'hat-json {version}',
           'generator': 'tests/tools/gen_path_cases.py',
           'cases': cases}
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / name
    text = json.dumps(doc, ensure_ascii=False, indent=1) + '\n'
    path.write_text(text, encoding='utf-8')
    print(f'{path.relative_to(ROOT)}: {len(cases)} cases')


def main():
    path_cases = hand_path_cases()
    n_hand = len(path_cases)
    path_cases += random_path_cases(seed=6_02_2024, count=400)
    path_cases += random_path_cases(seed=17, count=200)
    print(f'path: {n_hand} hand-written, '
          f'{len(path_cases) - n_hand} random', file=sys.stderr)
    write('path_cases.json', path_cases)

    diff_cases = hand_diff_cases()
    n_hand = len(diff_cases)
    diff_cases += random_diff_cases(seed=4242, count=400)
    print(f'diff: {n_hand} hand-written, '
          f'{len(diff_cases) - n_hand} random', file=sys.stderr)
    write('diff_cases.json', diff_cases)


if __name__ == '__main__':
    main()
