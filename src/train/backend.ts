// Chooses the TensorFlow.js backend: tfjs-node-gpu (CUDA) -> tfjs-node -> wasm -> cpu,
// unless the user names one. The optional native packages are often absent (their
// install downloads libtensorflow), so a failed require is normal, not an error.
import * as tf from '@tensorflow/tfjs';
import { kernelsLabel, prepareKernels, startKernels } from './kernels/tf-kernels';
import {
  describeNotFound,
  locateNative,
  nativeLabel,
  requireNative,
  type NativeLocation,
  type NativePackage,
} from './native-backend';

// Production mode: no per-op debug checks, and no console banner advertising tfjs-node
// (the log names the backend and why the native ones were skipped).
tf.env().set('PROD', true);

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  name: string; // tf.getBackend() after selection
  label: string; // what the log prints
  tried: string[]; // one line per candidate that was skipped, and why
}

const aliases: Record<string, BackendName> = {
  gpu: 'tensorflow-gpu',
  'node-gpu': 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  'tensorflow-gpu': 'tensorflow-gpu',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export const backendNames = Object.keys(aliases);

// The native packages are looked for beyond this installation (the setting, the workspace,
// global installs) by native-backend.ts; the log names the one that loaded.
async function tryNative(pkg: NativePackage): Promise<string | null> {
  const search = locateNative(pkg);
  if (!search.found) return describeNotFound(pkg, search);
  return requireNative(search.found) ?? (loadedNative.set(pkg, search.found), null);
}
const loadedNative = new Map<NativePackage, NativeLocation>();

async function activate(name: BackendName): Promise<string | null> {
  try {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      const why = await tryNative(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (why) return why;
      // Both native packages register under the name 'tensorflow'.
      if (!(await tf.setBackend('tensorflow'))) return `${name}: failed to initialise`;
    } else if (name === 'wasm') {
      // YOLO Lab's kernels (kernels/) need tfjs's wasm memory shared: set up before it starts.
      prepareKernels();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- registers the backend only when it is chosen
      require('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) return 'wasm: failed to initialise';
      startKernels();
    } else {
      if (!(await tf.setBackend('cpu'))) return 'cpu: failed to initialise';
    }
    await tf.ready();
    return null;
  } catch (e) {
    return `${name}: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Selects a backend; `requested` (from --backend) must then work or this throws. */
export async function selectBackend(requested?: string): Promise<BackendChoice> {
  const tried: string[] = [];
  if (requested) {
    const name = aliases[requested.toLowerCase()];
    if (!name) throw new Error(`unknown backend '${requested}' (known: ${backendNames.join(', ')})`);
    const why = await activate(name);
    if (why) throw new Error(`backend '${requested}' is not usable: ${why}`);
    return { name: tf.getBackend(), label: describe(name), tried };
  }
  // wasm (XNNPACK, SIMD) beats the pure-JS cpu backend by far on convolutions (docs/trainer.md).
  for (const name of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as BackendName[]) {
    const why = await activate(name);
    if (!why) return { name: tf.getBackend(), label: describe(name), tried };
    tried.push(why);
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${tried.join('; ')}`);
}

function describe(name: BackendName): string {
  switch (name) {
    case 'tensorflow-gpu':
      return `tensorflow (tfjs-node-gpu, CUDA${nativeLabel(loadedNative.get('@tensorflow/tfjs-node-gpu'), tf.backend())})`;
    case 'tensorflow':
      return `tensorflow (tfjs-node, native CPU${nativeLabel(loadedNative.get('@tensorflow/tfjs-node'), tf.backend())})`;
    case 'wasm':
      return kernelsLabel();
    default:
      return 'cpu (tfjs-backend-cpu, plain JavaScript)';
  }
}
