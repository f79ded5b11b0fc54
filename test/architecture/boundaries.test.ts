// The import boundaries ARCHITECTURE.md states, checked on every source file: each rule names
// the folder, what it may import of ours, and the packages it must not touch. A failure names
// the file, the import and the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

interface Rule {
  /** Folder (relative to the root) the rule applies to. */
  area: string;
  /** Our folders it may import (its own is always allowed). */
  mayImport: string[];
  /** Packages it must not import (the package or a path inside it). */
  forbiddenPackages?: string[];
  /** Only Node's own modules (`node:*`): no package at all. */
  nodeOnly?: boolean;
}

const EDITOR_PACKAGES = [
  'vscode',
  'vscode-languageserver',
  'vscode-languageserver-textdocument',
  'vscode-languageserver-protocol',
  'vscode-languageclient',
  'vscode-jsonrpc',
  'vscode-uri',
];
const rules: Rule[] = [
  // The engine and the leaves everyone imports stand on Node alone.
  { area: 'src/config', mayImport: [], nodeOnly: true },
  { area: 'src/registry', mayImport: [], nodeOnly: true },
  { area: 'src/errors', mayImport: [], nodeOnly: true },
  { area: 'src/crc32', mayImport: [], nodeOnly: true },
  { area: 'src/boxes', mayImport: [], forbiddenPackages: EDITOR_PACKAGES },
  {
    area: 'src/lint',
    mayImport: ['src/config', 'src/registry'],
    forbiddenPackages: [...EDITOR_PACKAGES, '@tensorflow/'],
  },
  {
    area: 'src/workspace',
    mayImport: ['src/config', 'src/lint', 'src/registry', 'protocol'],
    forbiddenPackages: [...EDITOR_PACKAGES, '@tensorflow/'],
  },
  {
    area: 'src/data',
    mayImport: ['src/boxes', 'src/errors', 'src/crc32', 'src/registry'],
    forbiddenPackages: [...EDITOR_PACKAGES, '@tensorflow/'],
  },
  {
    area: 'src/metrics',
    mayImport: ['src/boxes', 'src/data', 'src/errors', 'src/registry'],
    forbiddenPackages: [...EDITOR_PACKAGES, '@tensorflow/'],
  },
  {
    area: 'src/checkpoint',
    mayImport: ['src/errors', 'src/crc32'],
    forbiddenPackages: [...EDITOR_PACKAGES, '@tensorflow/'],
  },
  {
    area: 'src/train',
    mayImport: ['src/config', 'src/data', 'src/metrics', 'src/boxes', 'src/checkpoint', 'src/errors', 'src/registry'],
    forbiddenPackages: EDITOR_PACKAGES,
  },
  {
    area: 'src/cli',
    mayImport: [
      'src/config',
      'src/lint',
      'src/workspace',
      'src/data',
      'src/metrics',
      'src/boxes',
      'src/train',
      'src/checkpoint',
      'src/errors',
      'src/registry',
    ],
    forbiddenPackages: EDITOR_PACKAGES,
  },
  {
    area: 'server',
    mayImport: ['src/config', 'src/lint', 'src/workspace', 'src/registry', 'src/errors', 'protocol'],
    forbiddenPackages: ['vscode-languageclient', 'vscode'],
  },
  { area: 'client', mayImport: ['protocol'], forbiddenPackages: ['vscode-languageserver'] },
  { area: 'protocol', mayImport: [], nodeOnly: true },
];

/** The trainer reads configs only through the engine's output: one file of src/train imports src/config. */
const CONFIG_GATE = 'src/train/config.ts';

/** Known violations being removed on other branches; each entry must still be a violation (so the list shrinks). */
const pending: Record<string, string> = {};

/** The TypeScript files of an area: a folder, or one file (`src/errors` is src/errors.ts). */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return fs.existsSync(`${dir}.ts`) ? [`${dir}.ts`] : out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Our folder an import lands in: `src/<name>` for the core, else the top-level folder. */
function areaOf(file: string): string {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === 'src') return rel.length > 2 ? `src/${rel[1]}` : `src/${rel[1].replace(/\.tsx?$/, '')}`;
  return rel[0];
}

function violations(): string[] {
  const found: string[] = [];
  for (const rule of rules) {
    for (const file of sourceFiles(path.join(ROOT, rule.area))) {
      const rel = path.relative(ROOT, file);
      const imports = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
      for (const spec of imports) {
        if (spec.startsWith('.')) {
          const target = areaOf(path.resolve(path.dirname(file), spec));
          if (target === rule.area) continue;
          if (target === 'src/config' && rule.area === 'src/train' && rel !== CONFIG_GATE)
            found.push(`${rel}: imports '${spec}': only ${CONFIG_GATE} of the trainer reads the config engine`);
          else if (!rule.mayImport.includes(target))
            found.push(
              `${rel}: imports '${spec}' (${target}): ${rule.area} may import ${rule.mayImport.join(', ') || 'nothing else of ours'}`,
            );
        } else if (rule.nodeOnly && !spec.startsWith('node:')) {
          found.push(`${rel}: imports package '${spec}': ${rule.area} uses only Node's own modules`);
        } else if (rule.forbiddenPackages?.some((p) => spec === p || spec.startsWith(p.endsWith('/') ? p : `${p}/`))) {
          found.push(`${rel}: imports package '${spec}', which ${rule.area} must not use`);
        }
      }
    }
  }
  return found;
}

test('every import stays inside the boundaries ARCHITECTURE.md states', () => {
  const all = violations();
  const real = all.filter((v) => !Object.keys(pending).some((f) => v.startsWith(`${f}:`)));
  assert.deepEqual(real, []);
  for (const [file, why] of Object.entries(pending))
    assert.ok(
      all.some((v) => v.startsWith(`${file}:`)),
      `${file} no longer crosses a boundary (${why}): remove it from the pending list`,
    );
});

test('every source folder has a rule', () => {
  const covered = new Set(rules.map((r) => r.area));
  const folders = [
    ...fs
      .readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `src/${e.name}`),
    'server',
    'client',
  ];
  assert.deepEqual(
    folders.filter((f) => !covered.has(f)),
    [],
  );
});
