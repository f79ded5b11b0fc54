# Compares YOLO Lab's merged-preview text with what MMEngine prints for the same
# configs (Config.pretty_text, as tools/misc/print_config.py shows it): both
# texts are run with plain Python and must give the same dict, with the same
# top-level keys in the same order. Reads [[config_path, our_text], ...] as
# JSON on stdin; prints one JSON line per config. Sources: $MMYOLO_SRC.
import json
import os
import sys

S = os.environ.get('MMYOLO_SRC', '/tmp/src')
sys.path[:0] = [f'{S}/mmengine', f'{S}/addict']
from mmengine.config import Config  # noqa: E402


def run(text):
    scope = {}
    exec(compile(text, '<text>', 'exec'), scope)
    return {k: v for k, v in scope.items() if not k.startswith('__')}


for path, ours in json.load(sys.stdin):
    try:
        theirs_text = Config.fromfile(path).pretty_text
    except Exception as e:  # a config MMEngine cannot load here (a scope not installed)
        print(json.dumps({'config': path, 'skipped': f'{type(e).__name__}: {e}'}))
        continue
    theirs = run(theirs_text)
    mine = run(ours)
    diff = sorted(k for k in set(theirs) | set(mine) if theirs.get(k, KeyError) != mine.get(k, KeyError))
    print(json.dumps({'config': path, 'same': not diff, 'differ': diff[:10], 'order': list(theirs) == list(mine)}))
