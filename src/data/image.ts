// Image decode/encode with the pure-JS jpeg-js and pngjs packages. Every failure becomes a
// DataError whose message names the file, never a bare decoder exception.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from './errors';

export interface RgbImage {
  data: Uint8Array; // height*width*3 RGB, row-major
  width: number;
  height: number;
}

const JPEG_MAGIC = [0xff, 0xd8];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_SOS = Buffer.from([0xff, 0xda]);
const JPEG_EOI = Buffer.from([0xff, 0xd9]);
const PNG_IEND = Buffer.from('IEND', 'latin1');

function startsWith(buf: Uint8Array, magic: number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

function rgbaToRgb(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = rgba[p];
    out[q + 1] = rgba[p + 1];
    out[q + 2] = rgba[p + 2];
  }
  return out;
}

/**
 * A JPEG whose data stops before its end-of-image marker: no FFD9 after the last
 * start-of-scan (FFDA), or no scan at all. Entropy-coded data stuffs every FF byte, so
 * neither marker can occur inside it; an EXIF thumbnail's own markers come before the
 * main image's scans and do not hide a cut.
 */
export function jpegTruncated(buf: Uint8Array): boolean {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const sos = b.lastIndexOf(JPEG_SOS);
  return sos < 0 || b.lastIndexOf(JPEG_EOI) < sos;
}

/** A PNG must end with its IEND chunk (type + CRC in the last 8 bytes; trailing bytes are tolerated). */
export function pngTruncated(buf: Uint8Array): boolean {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).lastIndexOf(PNG_IEND) < 0;
}

export type ImageFormat = 'jpeg' | 'png';

/**
 * Checks what every decoder path needs before decoding, so a truncated or empty file
 * gets the same message whichever decoder runs: the format (from the magic number, not
 * the extension), emptiness, truncation.
 */
export function sniffImage(buf: Uint8Array, file: string): ImageFormat {
  if (buf.length === 0) throw new DataError(`${file}: error: image file is empty`, file);
  if (startsWith(buf, JPEG_MAGIC)) {
    if (jpegTruncated(buf))
      throw new DataError(
        `${file}: error: truncated JPEG (${buf.length} bytes; the data ends before the end-of-image marker)`,
        file,
      );
    return 'jpeg';
  }
  if (startsWith(buf, PNG_MAGIC)) {
    if (pngTruncated(buf))
      throw new DataError(`${file}: error: truncated PNG (${buf.length} bytes; no IEND chunk)`, file);
    return 'png';
  }
  throw new DataError(`${file}: error: not a JPEG or PNG image`, file);
}

/**
 * The decoder's own exception as a user message. jpeg-js and pngjs throw plain Errors
 * with a readable reason ("marker was not found"); a TypeError/RangeError is the decoder
 * tripping over bytes it did not expect, whose text means nothing to a user.
 */
export function corruptImage(file: string, format: ImageFormat, e: unknown): DataError {
  const internal = e instanceof TypeError || e instanceof RangeError || !(e instanceof Error);
  const what = format === 'jpeg' ? 'JPEG' : 'PNG';
  return new DataError(`${file}: error: corrupt ${what} data${internal ? '' : ` (${(e as Error).message})`}`, file);
}

/** Decodes JPEG or PNG bytes with the pure-JS decoders (jpeg-js, pngjs). */
export function decodeImageBuffer(buf: Uint8Array, file: string): RgbImage {
  const format = sniffImage(buf, file);
  try {
    if (format === 'jpeg') {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
      if (!img.width || !img.height) throw new Error('zero-sized image');
      const px = img.width * img.height;
      // Greyscale JPEGs still come back as RGB with formatAsRGBA false; guard anyway.
      if (img.data.length !== px * 3)
        throw new Error(`unexpected decoded size ${img.data.length} for ${img.width}x${img.height}`);
      return { data: img.data as Uint8Array, width: img.width, height: img.height };
    }
    const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
    return { data: rgbaToRgb(png.data, png.width, png.height), width: png.width, height: png.height };
  } catch (e) {
    throw corruptImage(file, format, e);
  }
}

function readError(file: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new DataError(`${file}: error: image file not found`, file);
  return new DataError(`${file}: error: cannot read image (${code ?? String(e)})`, file);
}

export function decodeImage(file: string): RgbImage {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw readError(file, e);
  }
  return decodeImageBuffer(buf, file);
}

/** Async variant: file reading does not block, so the loader's prefetch overlaps I/O. */
export async function decodeImageAsync(file: string): Promise<RgbImage> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw readError(file, e);
  }
  return decodeImageBuffer(buf, file);
}

function rgbToRgba(rgb: Uint8Array, width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    out[q] = rgb[p];
    out[q + 1] = rgb[p + 1];
    out[q + 2] = rgb[p + 2];
    out[q + 3] = 255;
  }
  return out;
}

export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

export function encodeJpeg(rgb: Uint8Array, width: number, height: number, quality = 90): Buffer {
  return jpeg.encode({ data: rgbToRgba(rgb, width, height), width, height }, quality).data;
}
