// Which decoder turns image files into RGB pixels for training: sharp (libvips, an optional
// dependency with prebuilt binaries) when it loads, else the pure-JS jpeg-js/pngjs path that
// always works. bench/data.ts measures both.
//
// Where the two differ (same seed, same config): only in the pixel values of JPEG images.
// sharp's JPEG decoder is libjpeg-turbo's (mozjpeg build) with the settings cv2.imdecode
// uses (integer IDCT, smooth chroma upsampling), so its pixels equal what MMCV's
// LoadImageFromFile gets from cv2; jpeg-js upsamples chroma by pixel replication and its
// pixels differ, by up to ~100 levels at sharp colour edges. PNG pixels, sizes, sample order,
// random draws, boxes and every later transform are identical on both paths. The run log
// says which decoder ran (describeImageDecoder).
//
// Neither path applies EXIF orientation (cv2's IMREAD_COLOR does) or embedded ICC profiles
// (cv2 ignores them too).
import { readFile } from 'node:fs/promises';
import { DataError } from './errors';
import { corruptImage, decodeImageBuffer, sniffImage, type RgbImage } from './image';

export type DecoderChoice = 'auto' | 'sharp' | 'js';
export type DecoderName = 'sharp' | 'js';

interface SharpInfo {
  width: number;
  height: number;
  channels: number;
}
type SharpFn = ((
  input: Buffer,
  opts: Record<string, unknown>,
) => {
  raw(opts: { depth: 'uchar' }): {
    toBuffer(opts: { resolveWithObject: true }): Promise<{ data: Buffer; info: SharpInfo }>;
  };
}) & { concurrency(n: number): number; cache(on: boolean): void; versions: Record<string, string> };

let sharpModule: SharpFn | null | undefined;
let sharpError = '';

/** sharp, loaded once; null when it is not installed or its native part does not load here. */
function loadSharp(): SharpFn | null {
  if (sharpModule !== undefined) return sharpModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional module, loaded only where installed
    const s = require('sharp') as SharpFn;
    // One libvips thread per decode: the loader already decodes in parallel (prefetch, worker
    // threads) and the training step needs the other core.
    s.concurrency(1);
    s.cache(false);
    sharpModule = s;
  } catch (e) {
    sharpModule = null;
    const msg = (e as Error)?.message ?? String(e);
    sharpError = /Cannot find module 'sharp'/.test(msg) ? 'not installed' : msg.split('\n')[0];
  }
  return sharpModule;
}

function envChoice(): DecoderChoice {
  const v = (process.env.YOLOLAB_IMAGE_DECODER ?? 'auto').toLowerCase();
  return v === 'sharp' || v === 'js' ? v : 'auto';
}

let choice: DecoderChoice = envChoice();

/**
 * Chooses the decoder ('auto': sharp when it loads). YOLOLAB_IMAGE_DECODER=sharp|js sets
 * the default; loader workers get the main thread's choice (worker-pool.ts).
 */
export function setImageDecoder(c: DecoderChoice): void {
  choice = c;
}

export function imageDecoderChoice(): DecoderChoice {
  return choice;
}

/** The decoder that runs with the current choice; asking for sharp where it does not load is an error. */
export function activeDecoder(): DecoderName {
  if (choice === 'js') return 'js';
  if (loadSharp()) return 'sharp';
  if (choice === 'sharp')
    throw new DataError(
      `image decoder 'sharp' was asked for (YOLOLAB_IMAGE_DECODER) but sharp does not load: ${sharpError}`,
    );
  return 'js';
}

/** One line for the run log: which decoder runs and why. */
export function describeImageDecoder(): string {
  if (activeDecoder() === 'sharp') {
    const v = sharpModule!.versions;
    return `images decoded by sharp ${v.sharp ?? ''} (libvips ${v.vips ?? '?'}; JPEG pixels as cv2 decodes them)`;
  }
  const why = choice === 'js' ? 'chosen with YOLOLAB_IMAGE_DECODER=js' : `sharp: ${sharpError}`;
  return `images decoded by jpeg-js/pngjs (pure JavaScript; JPEG pixels differ from cv2's; ${why})`;
}

/** Reads and decodes an image file with the active decoder. */
export async function decodeImageFile(file: string): Promise<RgbImage> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    throw new DataError(
      `${file}: error: ${code === 'ENOENT' ? 'image file not found' : `cannot read image (${code ?? String(e)})`}`,
      file,
    );
  }
  if (activeDecoder() === 'js') return decodeImageBuffer(buf, file);
  const format = sniffImage(buf, file);
  let out: { data: Buffer; info: SharpInfo };
  try {
    // failOn 'error': libjpeg warnings (extraneous bytes, ...) pass, as in cv2; truncation was
    // checked above so both paths refuse the same files. ICC profiles ignored, as cv2 does.
    out = await sharpModule!(buf, { failOn: 'error', ignoreIcc: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw corruptImage(file, format, e);
  }
  return toRgb(out.data, out.info);
}

/** sharp's raw output (1-4 channels) as RGB: grey is replicated, alpha dropped, as cv2's IMREAD_COLOR. */
function toRgb(data: Buffer, info: SharpInfo): RgbImage {
  const { width, height, channels } = info;
  const px = width * height;
  if (channels === 3) return { data: new Uint8Array(data.buffer, data.byteOffset, px * 3), width, height };
  const out = new Uint8Array(px * 3);
  for (let p = 0, q = 0; p < px; p++, q += 3) {
    const s = p * channels;
    if (channels <= 2) out[q] = out[q + 1] = out[q + 2] = data[s];
    else {
      out[q] = data[s];
      out[q + 1] = data[s + 1];
      out[q + 2] = data[s + 2];
    }
  }
  return { data: out, width, height };
}
