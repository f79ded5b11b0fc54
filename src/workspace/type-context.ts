// Which kind of `type=` fits where the cursor is, from the keys the enclosing
// brackets were opened for: a backbone under `backbone=dict(`, transforms in
// any `*pipeline` list, an optimizer under `optimizer=`, hooks in
// `custom_hooks` or `default_hooks`, and so on (the names MMYOLO/MMDetection
// configs use). Undefined when the place says nothing about the kind.

export type TypeKind =
  | 'model'
  | 'data preprocessor'
  | 'backbone'
  | 'neck'
  | 'head'
  | 'head module'
  | 'assigner'
  | 'loss'
  | 'plugin'
  | 'optim wrapper'
  | 'optimizer'
  | 'optim constructor'
  | 'scheduler'
  | 'hook'
  | 'ema'
  | 'loop'
  | 'tta'
  | 'transform'
  | 'dataset'
  | 'metric'
  | 'sampler'
  | 'visualizer'
  | 'vis backend'
  | 'activation'
  | 'norm'
  | 'conv'
  | 'prior generator'
  | 'bbox coder'
  | 'batch shape policy'
  | 'collate';

/** Kinds by the key whose dict the `type=` is in (the last owner). */
const BY_KEY: [RegExp, TypeKind][] = [
  [/(^|_)pipeline(_stage\d+)?$|^pre_transform$|^transforms$/, 'transform'],
  [/^backbone$/, 'backbone'],
  [/^neck$/, 'neck'],
  [/^(bbox_|rpn_|roi_|mask_)?head$/, 'head'],
  [/^head_module$/, 'head module'],
  [/^loss(_\w+)?$/, 'loss'],
  [/^(initial_)?assigner$/, 'assigner'],
  [/^data_preprocessor$/, 'data preprocessor'],
  [/^optim_wrapper$/, 'optim wrapper'],
  [/^optimizer$/, 'optimizer'],
  [/^constructor$/, 'optim constructor'],
  [/^param_scheduler$/, 'scheduler'],
  [/^custom_hooks$/, 'hook'],
  [/(^|_)evaluator$/, 'metric'],
  [/^(dataset|datasets)$/, 'dataset'],
  [/^sampler|_sampler$/, 'sampler'],
  [/^visualizer$/, 'visualizer'],
  [/^vis_backends$/, 'vis backend'],
  [/^act_cfg$/, 'activation'],
  [/^norm_cfg$/, 'norm'],
  [/^conv_cfg$/, 'conv'],
  [/^plugins$/, 'plugin'],
  [/^prior_generator$/, 'prior generator'],
  [/^bbox_coder$/, 'bbox coder'],
  [/^batch_shapes_cfg$/, 'batch shape policy'],
  [/^collate_fn$/, 'collate'],
  [/^tta_model$/, 'tta'],
];

export function typeKindAt(owners: string[]): TypeKind | undefined {
  const key = owners[owners.length - 1];
  const parent = owners[owners.length - 2];
  if (key === undefined) return undefined;
  // Places named by their parent: every entry of default_hooks is a hook, a plugin's `cfg` is the plugin.
  if (parent === 'default_hooks') return 'hook';
  if (parent === 'plugins' && key === 'cfg') return 'plugin';
  if (owners.length === 1) {
    if (key === 'model') return 'model';
    if (/^(train|val|test)_cfg$/.test(key)) return 'loop';
    if (key === 'ema_cfg') return 'ema';
  }
  for (const [re, kind] of BY_KEY) if (re.test(key)) return kind;
  return undefined;
}
