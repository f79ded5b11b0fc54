// The document of the reliability issue, generated: about 5 MB of
// `var_i = dict(..., path='{{_base_.x}}')` lines under one `_base_`.

export function hugeConfig(bytes = 5_000_000, base = '../_base_/yolov8_base.py', key = 'data_root'): string {
  const lines = [`_base_ = '${base}'`];
  let size = lines[0].length;
  for (let i = 0; size < bytes; i++) {
    const l = `var_${i} = dict(type='LoadImageFromFile', idx=${i}, path='{{_base_.${key}}}')`;
    lines.push(l);
    size += l.length + 1;
  }
  return lines.join('\n') + '\n';
}
