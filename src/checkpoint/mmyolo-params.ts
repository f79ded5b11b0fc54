// MMYOLO's state_dict <-> the trainer's ParamStore. The names are already PyTorch's
// (backbone.stem.conv.weight, ..., bbox_head.head_module.reg_preds.0.2.bias); what differs is
// the layout (tfjs convolutions are HWIO, PyTorch's OIHW; LayerNorm over [C, 1, 1]), the order
// (PyTorch lists each module's parameters, then its buffers), and BatchNorm's integer
// num_batches_tracked, which the trainer does not keep as a tensor.

/** PyTorch's shape of a trainer tensor. */
export function torchShape(name: string, shape: number[]): number[] {
  if (shape.length === 4) return [shape[3], shape[2], shape[0], shape[1]];
  // mmcv ContextBlock's LayerNorm is over [planes, 1, 1].
  if (shape.length === 1 && /\.channel_(add|mul)_conv\.1\.(weight|bias)$/.test(name)) return [shape[0], 1, 1];
  return shape;
}

/** HWIO -> OIHW (a copy); other ranks are returned as they are. */
export function toTorchLayout(data: Float32Array, shape: number[]): Float32Array {
  if (shape.length !== 4) return data;
  const [kh, kw, ci, co] = shape;
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++) {
        const src = ((h * kw + w) * ci + i) * co;
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = data[src + o];
      }
  return out;
}

/** OIHW -> HWIO for a trainer tensor of shape `shape` (HWIO). */
export function fromTorchLayout(data: Float32Array, shape: number[]): Float32Array {
  if (shape.length !== 4) return data;
  const [kh, kw, ci, co] = shape;
  const out = new Float32Array(data.length);
  for (let o = 0; o < co; o++)
    for (let i = 0; i < ci; i++)
      for (let h = 0; h < kh; h++) {
        const src = ((o * ci + i) * kh + h) * kw;
        for (let w = 0; w < kw; w++) out[((h * kw + w) * ci + i) * co + o] = data[src + w];
      }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export interface StateEntry {
  name: string;
  /** 'param' and 'buffer' come from the store; 'count' is a BatchNorm's num_batches_tracked. */
  kind: 'param' | 'buffer' | 'count';
}

// MMYOLO registers whole per-level lists in this order (YOLOBaseNeck; YOLOv8HeadModule's
// cls_preds before reg_preds); the trainer builds one level at a time, so these are re-sorted.
const LIST_ORDER: Array<{ prefix: string; order: string[] }> = [
  {
    prefix: 'neck.',
    order: [
      'reduce_layers',
      'upsample_layers',
      'top_down_layers',
      'downsample_layers',
      'bottom_up_layers',
      'out_layers',
    ],
  },
  { prefix: 'bbox_head.head_module.', order: ['cls_preds', 'reg_preds'] },
];

/**
 * state_dict order as PyTorch produces it for the model the trainer built: modules in the order
 * their first parameter was created (MMYOLO's registration order; the neck's layer lists as
 * YOLOBaseNeck registers them), each with its parameters, then its buffers, then
 * num_batches_tracked for BatchNorms.
 */
export function stateDictOrder(params: Iterable<string>, buffers: Iterable<string>): StateEntry[] {
  const owner = (n: string) => n.slice(0, n.lastIndexOf('.'));
  const modules = new Map<string, { params: string[]; buffers: string[] }>();
  const slot = (m: string) => {
    let s = modules.get(m);
    if (!s) modules.set(m, (s = { params: [], buffers: [] }));
    return s;
  };
  for (const p of params) slot(owner(p)).params.push(p);
  for (const b of buffers) slot(owner(b)).buffers.push(b);
  let sorted = [...modules].map((e, i) => ({ e, i }));
  for (const { prefix, order } of LIST_ORDER) {
    const rank = (m: string) => (m.startsWith(prefix) ? order.indexOf(m.slice(prefix.length).split('.')[0]) : -1);
    const inside = sorted.filter((x) => rank(x.e[0]) >= 0).sort((a, b) => rank(a.e[0]) - rank(b.e[0]) || a.i - b.i);
    let k = 0;
    sorted = sorted.map((x) => (rank(x.e[0]) >= 0 ? inside[k++] : x)).map((x, i) => ({ e: x.e, i }));
  }
  const out: StateEntry[] = [];
  for (const {
    e: [m, s],
  } of sorted) {
    for (const p of s.params) out.push({ name: p, kind: 'param' });
    for (const b of s.buffers) out.push({ name: b, kind: 'buffer' });
    if (s.buffers.includes(`${m}.running_mean`)) out.push({ name: `${m}.num_batches_tracked`, kind: 'count' });
  }
  return out;
}

export function isBatchCount(name: string): boolean {
  return name.endsWith('.num_batches_tracked');
}
