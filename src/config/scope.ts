// `scope::path` bases: resolving them through configured roots exactly where
// MMEngine would fail, and the `_scope_` key it adds to the outermost dicts
// with a `type` in whatever comes from such a base.

import * as path from 'node:path';
import { withProvenance } from './provenance';
import { PyDict, PyError, PyList, PyTuple, type PyValue } from './values';

/** MMEngine's PKG2PROJECT: scope name -> pip package. */
const PACKAGES: Record<string, string> = {
  mmcls: 'mmcls',
  mmdet: 'mmdet',
  mmdet3d: 'mmdet3d',
  mmseg: 'mmsegmentation',
  mmaction2: 'mmaction2',
  mmtrack: 'mmtrack',
  mmpose: 'mmpose',
  mmedit: 'mmedit',
  mmocr: 'mmocr',
  mmgen: 'mmgen',
  mmfewshot: 'mmfewshot',
  mmrazor: 'mmrazor',
  mmflow: 'mmflow',
  mmhuman3d: 'mmhuman3d',
  mmrotate: 'mmrotate',
  mmselfsup: 'mmselfsup',
  mmyolo: 'mmyolo',
  mmpretrain: 'mmpretrain',
  mmagic: 'mmagic',
};

export interface ResolvedBase {
  path: string;
  /** The path as MMEngine would print it (joined, not normalised). */
  display: string;
  scope?: string;
}

export function resolveBase(spec: string, fromFile: string, scopes: Record<string, string>): ResolvedBase {
  if (!spec.includes('::')) {
    // os.path.join(dirname, spec): an absolute spec (as `{{ fileDirname }}/..` builds) stays absolute.
    const absolute = path.isAbsolute(spec);
    return {
      path: path.resolve(path.dirname(fromFile), spec),
      display: absolute ? spec : `${path.dirname(fromFile)}/${spec}`,
    };
  }
  if (!/^\w*::\w*\/\w*/.test(spec)) {
    throw new PyError(
      'ValueError',
      '`_get_package_and_cfg_path` is used for get external package, please specify the package name and relative config path, just like `mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py`',
    );
  }
  const parts = spec.split('::');
  if (parts.length > 2)
    throw new PyError(
      'ValueError',
      `\`::\` should only be used to separate package and config name, but found multiple \`::\` in ${spec}`,
    );
  const [scope, rel] = parts;
  const pkg = PACKAGES[scope];
  if (!pkg) throw new PyError('AssertionError', `mmengine does not support to load ${scope} config.`);
  const root = scopes[scope] ?? scopes[pkg];
  if (!root)
    throw new PyError(
      'ModuleNotFoundError',
      `${pkg} is not installed, please install ${pkg} manually (or tell YOLO Lab where its configs are: --scope ${scope}=DIR, setting yololab.scopes)`,
    );
  const full = path.resolve(root, rel);
  return { path: full, display: full, scope };
}

/** MMEngine's `_dict_to_config_dict`: `_scope_` on the outermost dicts that have `type`. */
export function applyScope(v: PyValue, scope: string | undefined, hasScope = true): PyValue {
  if (v instanceof PyDict) {
    if (hasScope && v.has('type')) {
      hasScope = false;
      const cur = v.get('_scope_');
      if (scope !== undefined && (cur === undefined || cur === null)) {
        const typeProv = v.entry('type')?.prov;
        v.set('_scope_', scope, typeProv && withProvenance(typeProv, { via: 'scope', overridden: undefined }));
      }
    }
    for (const e of v) e.value = applyScope(e.value, scope, hasScope);
    return v;
  }
  if (v instanceof PyList) {
    v.items = v.items.map((x) => applyScope(x, scope, hasScope));
    return v;
  }
  if (v instanceof PyTuple) return new PyTuple(v.items.map((x) => applyScope(x, scope, hasScope)));
  return v;
}
