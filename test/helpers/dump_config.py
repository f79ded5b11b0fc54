# Runs a config printed by `yololab print-config --format python` with plain
# Python and prints the resulting dict in the golden JSON encoding of
# shared/config-cases (tuples, sets, non-str keys and floats kept apart).
import json
import math
import sys


def enc(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return '{"__float__": "nan"}'
        if math.isinf(v):
            return '{"__float__": "%s"}' % ('inf' if v > 0 else '-inf')
        return repr(v)
    if isinstance(v, tuple):
        return '{"__tuple__": [%s]}' % ', '.join(enc(x) for x in v)
    if isinstance(v, list):
        return '[%s]' % ', '.join(enc(x) for x in v)
    if isinstance(v, (set, frozenset)):
        return '{"__set__": [%s]}' % ', '.join(enc(x) for x in v)
    if isinstance(v, bytes):
        return '{"__bytes__": %s}' % json.dumps(v.decode('latin-1'))
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return '{%s}' % ', '.join('%s: %s' % (json.dumps(k), enc(x)) for k, x in v.items())
        return '{"__dict_items__": [%s]}' % ', '.join('[%s, %s]' % (enc(k), enc(x)) for k, x in v.items())
    raise TypeError('not data: %r' % (v,))


ns = {}
exec(compile(open(sys.argv[1]).read(), sys.argv[1], 'exec'), ns)
if '--config' in sys.argv:
    # What MMEngine keeps of a config's namespace: no modules, functions or `__` names.
    import types
    ns = {k: v for k, v in ns.items()
          if not k.startswith('__') and not isinstance(v, (types.ModuleType, types.FunctionType))}
print(enc({k: v for k, v in ns.items() if k != '__builtins__'}))
