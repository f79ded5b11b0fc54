// Python's own rules where configs hit them: identifiers (PEP 3131: NFKC, XID
// characters; zero-width characters refused), the byte-order mark (MMEngine's
// ast.parse refuses it), control characters (escaped so every error stays one
// line), `assert` messages, and absolute `_base_` paths (os.path.join keeps them).
// Where a Python 3 is on PATH, the identifier table is also checked against its
// compiler, so the expectations are Python's and not ours.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigLoader, formatDiagnostic, loadConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yololab.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-pyrules-'));
let n = 0;
const write = (text: string | Buffer, name = `c${n++}.py`) => {
  const p = path.join(tmp, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};
const load = (file: string) => loadConfig(file, { loader: new ConfigLoader() });
const firstError = (file: string) => {
  const r = load(file);
  const d = r.diagnostics.find((x) => x.severity === 'error');
  assert.ok(d, `${path.basename(file)}: expected an error`);
  return d;
};

/** [name, source, expected: the top-level names, or the SyntaxError message and its 1-based column]. */
const IDENTIFIERS: [string, string, string[] | { message: string; col: number }][] = [
  ['fullwidth letters are NFKC-normalised', 'ｄata_root = 1\nx = data_root\n', ['data_root', 'x']],
  ['a ligature is normalised', 'ﬁle = 1\n', ['file']],
  ['middle dot continues a name', 'a·b = 1\n', ['a·b']],
  ['zero-width space', 'da\u200bta = 1\n', { message: 'invalid non-printable character U+200B', col: 3 }],
  ['zero-width joiner', 'da\u200dta = 1\n', { message: 'invalid non-printable character U+200D', col: 3 }],
  ['zero-width non-joiner', 'da\u200cta = 1\n', { message: 'invalid non-printable character U+200C', col: 3 }],
  ['a second-line BOM', 'x = 1\n\ufeffy = 2\n', { message: 'invalid non-printable character U+FEFF', col: 1 }],
  ['superscript two', 'x² = 1\n', { message: "invalid character '²' (U+00B2)", col: 2 }],
  ['a fullwidth digit cannot start a name', '１a = 1\n', { message: "invalid character '１' (U+FF11)", col: 1 }],
  ['no-break space', 'x =\u00a01\n', { message: 'invalid non-printable character U+00A0', col: 4 }],
  ['vertical tab', 'x = 1\x0b\n', { message: 'invalid non-printable character U+000B', col: 6 }],
];

for (const [name, source, expected] of IDENTIFIERS) {
  test(`identifiers: ${name}`, () => {
    const file = write(source);
    const r = load(file);
    if (Array.isArray(expected)) {
      assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('|'));
      assert.deepEqual(r.config!.keys(), expected);
      return;
    }
    const d = r.diagnostics.find((x) => x.severity === 'error')!;
    assert.ok(d, 'expected a syntax error');
    assert.equal(d.code, 'syntax-error');
    assert.equal(d.message, expected.message);
    assert.equal(d.range.start.col + 1, expected.col);
  });
}

const python = ['python3', '/usr/bin/python3'].find(
  (p) => spawnSync(p, ['-c', 'import sys; assert sys.version_info >= (3, 8)']).status === 0,
);

test('the identifier table is what Python itself says', { skip: !python && 'no Python 3 on PATH' }, () => {
  const script = `
import ast, json, sys
out = []
for src in json.load(sys.stdin):
    try:
        t = ast.parse(src)
        out.append([n.targets[0].id for n in t.body if isinstance(n, ast.Assign)])
    except SyntaxError as e:
        out.append({'message': e.msg, 'col': e.offset})
print(json.dumps(out))
`;
  const r = spawnSync(python!, ['-c', script], {
    input: JSON.stringify(IDENTIFIERS.map(([, s]) => s)),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  IDENTIFIERS.forEach(([name, , expected], i) =>
    assert.deepEqual(got[i], expected, `${name}: Python says ${JSON.stringify(got[i])}`),
  );
});

test('a byte-order mark is refused at 1:1, as MMEngine (open + ast.parse) refuses it, one or two', () => {
  for (const bom of ['\ufeff', '\ufeff\ufeff']) {
    const d = firstError(write(Buffer.from(bom + 'x = 1\n', 'utf8')));
    assert.equal(d.message, 'invalid non-printable character U+FEFF');
    assert.deepEqual(d.range.start, { line: 0, col: 0 });
  }
});

test('control characters are escaped: every error is one line, in the engine and the CLI', () => {
  // A vertical tab and a newline escape inside a base path are echoed in the message.
  const file = write("_base_ = './a\x0bb\\n.py'\n");
  const d = firstError(file);
  assert.equal(d.code, 'base-missing');
  assert.match(d.message, /No such file or directory: '\.\/a\\x0bb\\n\.py'/);
  assert.doesNotMatch(formatDiagnostic(d), /[\n\r\x0b\x0c\u2028\u2029]/);
  const cli = spawnSync(process.execPath, [BIN, 'print-config', file], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(cli.status, 1);
  assert.equal(cli.stderr.trimEnd().split('\n').length, 1, cli.stderr);
  // A file name with a newline in it stays on its line too.
  const odd = write('x = (\n', 'odd\nname.py');
  const r = spawnSync(process.execPath, [BIN, 'lint', odd], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 1);
  for (const line of r.stdout.trimEnd().split('\n')) assert.match(line, /^.*odd\\nname\.py:\d+:\d+: /);
});

test('a failed assert names the assertion (Python prints a bare AssertionError)', () => {
  const bare = firstError(write('num_classes = 3\nassert num_classes == 80\n'));
  assert.equal(bare.message, 'AssertionError: `assert num_classes == 80` failed');
  assert.deepEqual(bare.range.start, { line: 1, col: 0 });
  assert.equal(firstError(write('assert 0\n')).message, 'AssertionError: `assert 0` failed');
  assert.equal(
    firstError(write("assert False, 'set data_root first'\n")).message,
    'AssertionError: set data_root first',
  );
});

test('absolute _base_ paths stay absolute, as os.path.join keeps them', () => {
  const base = write('lr = 0.01\n', 'abs/base.py');
  const child = write(`_base_ = '${base.replace(/\\/g, '/')}'\nmomentum = 0.9\n`, 'abs/nested/deeper/child.py');
  const r = load(child);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('|'));
  assert.equal(r.config!.get('lr'), 0.01);
  assert.equal(r.unit.bases[0].resolved, base);
  // {{ fileDirname }} builds an absolute path; `..` in it is resolved.
  const viaTemplate = write("_base_ = '{{ fileDirname }}/../../base.py'\n", 'abs/nested/deeper/templated.py');
  assert.ok(load(viaTemplate).ok);
  // A missing absolute base is named by its absolute path, not joined under the config's folder.
  const missing = path.join(tmp, 'abs', 'gone.py');
  const d = firstError(write(`_base_ = '${missing.replace(/\\/g, '/')}'\n`, 'abs/nested/missing.py'));
  assert.equal(d.code, 'base-missing');
  assert.ok(d.message.includes(`(looked for ${missing})`), d.message);
});
