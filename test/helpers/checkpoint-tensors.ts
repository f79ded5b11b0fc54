// Test helper: every weight of a checkpoint (.pth or .ckpt) in the trainer's layout, under the
// names the trainer's tests use: model weights by name, the EMA copy as 'ema.<name>'.
import { fromTorchLayout } from '../../src/checkpoint/mmyolo-params';
import { openCheckpoint } from '../../src/train/checkpoint';
import type { TensorSource, WeightMap } from '../../src/train/state';

export interface CheckpointTensors {
  meta: Record<string, any>;
  format: 'pth' | 'ckpt';
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

async function toTrainer(src: TensorSource): Promise<{ shape: number[]; data: Float32Array }> {
  const data = await src.read();
  if (src.layout === 'tfjs' || src.shape.length !== 4)
    return { shape: src.shape.filter((d, i) => i === 0 || d !== 1 || src.shape.length !== 3), data };
  const [o, i, h, w] = src.shape;
  const shape = [h, w, i, o];
  return { shape, data: fromTorchLayout(data, shape) };
}

export async function checkpointTensors(file: string): Promise<CheckpointTensors> {
  const ck = await openCheckpoint(file);
  try {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    const add = async (m: WeightMap, prefix: string) => {
      for (const [n, src] of m) if (!n.endsWith('num_batches_tracked')) tensors.set(prefix + n, await toTrainer(src));
    };
    await add(ck.resumeModel, '');
    if (ck.resumeEma) await add(ck.resumeEma, 'ema.');
    return { meta: ck.meta, format: ck.format, tensors };
  } finally {
    await ck.close();
  }
}
