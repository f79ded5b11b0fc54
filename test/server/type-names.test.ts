// The type-name table the editor reads (src/registry/type-names.ts) against
// the registries the trainer, the data layer and the metrics really build
// from: a name added to one of them and not to the table (or left in the
// table after it was removed) fails here, with the name.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KNOWN_DATASETS } from '../../src/data/dataset';
import { KNOWN_TRANSFORMS } from '../../src/data/pipeline';
import { KNOWN_METRICS } from '../../src/metrics/index';
import { TYPE_NAMES, typeNamed, type TypeKind } from '../../src/registry/type-names';
import { knownTypes } from '../../src/train/registry';

/** Where each name really lives, and the kinds the table may give it. */
function registries(): Map<string, { where: string; kinds: TypeKind[] }> {
  const out = new Map<string, { where: string; kinds: TypeKind[] }>();
  for (const [role, names] of Object.entries(knownTypes)) {
    const kinds: TypeKind[] = role === 'head' ? ['head', 'head_module'] : [role as TypeKind];
    for (const n of names) out.set(n, { where: `src/train/registry.ts knownTypes.${role}`, kinds });
  }
  for (const n of KNOWN_TRANSFORMS)
    out.set(n, { where: 'src/data/pipeline.ts KNOWN_TRANSFORMS', kinds: ['transform'] });
  for (const n of KNOWN_DATASETS) out.set(n, { where: 'src/data/dataset.ts KNOWN_DATASETS', kinds: ['dataset'] });
  for (const n of KNOWN_METRICS) out.set(n, { where: 'src/metrics/index.ts KNOWN_METRICS', kinds: ['metric'] });
  return out;
}

test('every type the trainer, the data layer and the metrics build is in the table, with its kind', () => {
  for (const [name, { where, kinds }] of registries()) {
    const entry = TYPE_NAMES.find((t) => t.name === name);
    assert.ok(entry, `${name} (${where}) is missing from src/registry/type-names.ts`);
    assert.ok(
      kinds.includes(entry.kind),
      `${name}: kind '${entry.kind}' in src/registry/type-names.ts, but ${where} (expected ${kinds.join(' or ')})`,
    );
  }
});

test('the table names nothing the registries do not build, once each, each with a description', () => {
  const known = registries();
  const seen = new Set<string>();
  for (const t of TYPE_NAMES) {
    assert.ok(known.has(t.name), `${t.name} is in src/registry/type-names.ts but no registry builds it`);
    assert.ok(!seen.has(t.name), `${t.name} is listed twice in src/registry/type-names.ts`);
    seen.add(t.name);
    assert.ok(t.description.length > 10 && !t.description.includes('\n'), `${t.name}: a one-line description`);
  }
});

test('scope prefixes name the same entry', () => {
  assert.equal(typeNamed('mmdet.PackDetInputs')?.kind, 'transform');
  assert.equal(typeNamed('mmyolo::YOLOv8Head')?.kind, 'head');
  assert.equal(typeNamed('NoSuchType'), undefined);
});
