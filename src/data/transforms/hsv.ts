// MMYOLO's YOLOv5HSVRandomAug: random gains on hue, saturation and value, applied through
// lookup tables in OpenCV's 8-bit HSV space (H in [0, 180)).
import { numberOpt, type Transform } from './results';

export function hsvRandomAug(cfg: any, bad: (msg: string) => never): Transform {
  const dh = numberOpt(cfg, 'hue_delta', 0.015, bad);
  const ds = numberOpt(cfg, 'saturation_delta', 0.7, bad);
  const dv = numberOpt(cfg, 'value_delta', 0.4, bad);
  return {
    name: 'YOLOv5HSVRandomAug',
    apply(r, rng) {
      if (!r.img) return r;
      const gh = rng.uniform(-1, 1) * dh + 1,
        gs = rng.uniform(-1, 1) * ds + 1,
        gv = rng.uniform(-1, 1) * dv + 1;
      const lutH = new Uint8Array(256),
        lutS = new Uint8Array(256),
        lutV = new Uint8Array(256);
      for (let i = 0; i < 256; i++) {
        lutH[i] = Math.floor((i * gh) % 180);
        lutS[i] = Math.min(255, Math.max(0, Math.floor(i * gs)));
        lutV[i] = Math.min(255, Math.max(0, Math.floor(i * gv)));
      }
      const img = r.img;
      for (let p = 0; p < img.length; p += 3) {
        const R = img[p],
          G = img[p + 1],
          B = img[p + 2];
        const v = Math.max(R, G, B),
          mn = Math.min(R, G, B),
          d = v - mn;
        let h = 0;
        const s = v === 0 ? 0 : Math.round((d * 255) / v);
        if (d > 0) {
          let deg = v === R ? (60 * (G - B)) / d : v === G ? 120 + (60 * (B - R)) / d : 240 + (60 * (R - G)) / d;
          if (deg < 0) deg += 360;
          h = Math.round(deg / 2) % 180;
        }
        // Back to RGB from the adjusted (h, s, v).
        const H2 = lutH[h] * 2,
          S2 = lutS[s] / 255,
          V2 = lutV[v];
        const c = V2 * S2;
        const hp = H2 / 60;
        const x = c * (1 - Math.abs((hp % 2) - 1));
        const m = V2 - c;
        let r1 = 0,
          g1 = 0,
          b1 = 0;
        if (hp < 1) {
          r1 = c;
          g1 = x;
        } else if (hp < 2) {
          r1 = x;
          g1 = c;
        } else if (hp < 3) {
          g1 = c;
          b1 = x;
        } else if (hp < 4) {
          g1 = x;
          b1 = c;
        } else if (hp < 5) {
          r1 = x;
          b1 = c;
        } else {
          r1 = c;
          b1 = x;
        }
        img[p] = Math.round(r1 + m);
        img[p + 1] = Math.round(g1 + m);
        img[p + 2] = Math.round(b1 + m);
      }
      return r;
    },
  };
}
