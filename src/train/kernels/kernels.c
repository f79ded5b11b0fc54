// YOLO Lab's WebAssembly SIMD kernels for training and inference on the CPU: convolution
// forward and both gradients as indirect GEMMs (no im2col buffer), batch-norm statistics,
// normalisation + SiLU and their backward, channel concatenation and 2x upsampling.
//
// The module imports the shared memory that tfjs-backend-wasm's tensors live in, so it
// works on tensors in place; every thread (the main one and the worker threads) runs the
// same kernel on the same arguments and takes tasks from a shared atomic counter. A task
// writes only its own outputs or its own partial sums, and partial sums are added in task
// order, so results do not depend on the number of threads or on their scheduling.
//
// No static data and no C stack in linear memory beyond what the host gives each
// instance (__stack_pointer is exported and set per thread): the memory belongs to tfjs.
// Rebuild: build.sh in this folder (the exact clang command).
#include <stdint.h>
#include <wasm_simd128.h>

typedef v128_t v4;
#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))
#ifndef MR
#define MR 4 // rows of a GEMM tile (4 x 8 measured fastest: 8 accumulators, no spills)
#endif
#define NR 8 // columns of a GEMM tile (two vectors)
// Filter gradients of convolutions with fewer input channels than this (the stem's 3) run
// on copied patches (tf-kernels.ts agrees). (The forward measured faster without.)
#define PACKED(ci) ((ci) < 8)


// FOR_ROWS(F) expands F(0) ... F(MR-1): the tile's rows live in named registers.
#if MR == 4
#define FOR_ROWS(F) F(0) F(1) F(2) F(3)
#elif MR == 5
#define FOR_ROWS(F) F(0) F(1) F(2) F(3) F(4)
#elif MR == 6
#define FOR_ROWS(F) F(0) F(1) F(2) F(3) F(4) F(5)
#elif MR == 7
#define FOR_ROWS(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6)
#else
#error "MR must be 4..7"
#endif

INLINE int imin(int a, int b) { return a < b ? a : b; }
INLINE int imax(int a, int b) { return a > b ? a : b; }
INLINE v4 ld(const float *p) { return wasm_v128_load(p); }
INLINE void st(float *p, v4 x) { wasm_v128_store(p, x); }
INLINE v4 splat(float x) { return wasm_f32x4_splat(x); }
INLINE v4 ldsplat(const float *p) { return wasm_v128_load32_splat(p); }
INLINE v4 vadd(v4 a, v4 b) { return wasm_f32x4_add(a, b); }
INLINE v4 vsub(v4 a, v4 b) { return wasm_f32x4_sub(a, b); }
INLINE v4 vmul(v4 a, v4 b) { return wasm_f32x4_mul(a, b); }
// a*b + c as two roundings: the same result on every CPU (no relaxed-SIMD FMA).
INLINE v4 vmadd(v4 a, v4 b, v4 c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }

/** Takes the next task index from the shared counter. */
INLINE int next_task(int32_t *counter) { return __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED); }

// ---------------------------------------------------------------------------------------
// exp and sigmoid: range reduction by ln 2 and a degree-6 polynomial (max rel. error ~2e-7).
// The constants are made once per kernel call and kept in registers: clang would otherwise
// rematerialise every v128.const inside the loops, and V8 builds each in several instructions.

typedef struct {
  v4 hi, lo, log2e, magic, ln2hi, ln2lo, p0, p1, p2, p3, p4, p5, one, bias;
} exp_consts;

INLINE v4 opaque(v4 x) {
  __asm__ volatile("" : "+r"(x));
  return x;
}

INLINE exp_consts exp_consts_make(void) {
  exp_consts k;
  k.hi = opaque(splat(88.3762626647949f));
  k.lo = opaque(splat(-87.3365447504019f));
  k.log2e = opaque(splat(1.44269504088896341f));
  k.magic = opaque(splat(12582912.0f)); // 1.5 * 2^23
  k.ln2hi = opaque(splat(0.693359375f));
  k.ln2lo = opaque(splat(-2.12194440e-4f));
  k.p0 = opaque(splat(1.9875691500E-4f));
  k.p1 = opaque(splat(1.3981999507E-3f));
  k.p2 = opaque(splat(8.3334519073E-3f));
  k.p3 = opaque(splat(4.1665795894E-2f));
  k.p4 = opaque(splat(1.6666665459E-1f));
  k.p5 = opaque(splat(5.0000001201E-1f));
  k.one = opaque(splat(1.0f));
  k.bias = opaque(wasm_i32x4_splat(127 - 0x4B400000));
  return k;
}

INLINE v4 vexp(v4 x, const exp_consts *k) {
  // pmin/pmax are plain minps/maxps (f32x4.min/max cost several instructions for NaN rules).
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, k->hi), k->lo);
  // n = round(x / ln 2) by the 1.5 * 2^23 trick: t's low mantissa bits hold n.
  v4 t = vmadd(x, k->log2e, k->magic);
  v4 n = vsub(t, k->magic);
  v4 r = vsub(vsub(x, vmul(n, k->ln2hi)), vmul(n, k->ln2lo));
  v4 p = vmadd(k->p0, r, k->p1);
  p = vmadd(p, r, k->p2);
  p = vmadd(p, r, k->p3);
  p = vmadd(p, r, k->p4);
  p = vmadd(p, r, k->p5);
  p = vmadd(p, vmul(r, r), vadd(r, k->one));
  // 2^n: (n + 127) << 23, with n = bits(t) - bits(magic).
  return vmul(p, wasm_i32x4_shl(wasm_i32x4_add(t, k->bias), 23));
}

// Two independent exps, statement by statement: the CPU's scheduler then always finds ready
// work (one exp is a chain of ~15 dependent operations).
INLINE void vexp2(v4 *x0, v4 *x1, const exp_consts *k) {
  v4 a = wasm_f32x4_pmax(wasm_f32x4_pmin(*x0, k->hi), k->lo), b = wasm_f32x4_pmax(wasm_f32x4_pmin(*x1, k->hi), k->lo);
  v4 ta = vmadd(a, k->log2e, k->magic), tb = vmadd(b, k->log2e, k->magic);
  v4 na = vsub(ta, k->magic), nb = vsub(tb, k->magic);
  v4 ra = vsub(vsub(a, vmul(na, k->ln2hi)), vmul(na, k->ln2lo)), rb = vsub(vsub(b, vmul(nb, k->ln2hi)), vmul(nb, k->ln2lo));
  v4 pa = vmadd(k->p0, ra, k->p1), pb = vmadd(k->p0, rb, k->p1);
  pa = vmadd(pa, ra, k->p2), pb = vmadd(pb, rb, k->p2);
  pa = vmadd(pa, ra, k->p3), pb = vmadd(pb, rb, k->p3);
  pa = vmadd(pa, ra, k->p4), pb = vmadd(pb, rb, k->p4);
  pa = vmadd(pa, ra, k->p5), pb = vmadd(pb, rb, k->p5);
  pa = vmadd(pa, vmul(ra, ra), vadd(ra, k->one)), pb = vmadd(pb, vmul(rb, rb), vadd(rb, k->one));
  *x0 = vmul(pa, wasm_i32x4_shl(wasm_i32x4_add(ta, k->bias), 23));
  *x1 = vmul(pb, wasm_i32x4_shl(wasm_i32x4_add(tb, k->bias), 23));
}

INLINE void vsigmoid2(v4 *z0, v4 *z1, const exp_consts *k) {
  v4 a = wasm_f32x4_neg(*z0), b = wasm_f32x4_neg(*z1);
  vexp2(&a, &b, k);
  *z0 = wasm_f32x4_div(k->one, vadd(k->one, a));
  *z1 = wasm_f32x4_div(k->one, vadd(k->one, b));
}

INLINE v4 vsigmoid(v4 z, const exp_consts *k) { return wasm_f32x4_div(k->one, vadd(k->one, vexp(wasm_f32x4_neg(z), k))); }

INLINE float ssigmoid(float z, const exp_consts *k) { return wasm_f32x4_extract_lane(vsigmoid(splat(z), k), 0); }

// ---------------------------------------------------------------------------------------
// Indirect GEMM tile: C[r][0:8] = sum over taps t and k < kc of A_r,t[k] * B_t[k][0:8], for
// MR rows whose tap rows are given by pointers (a pointer to zeros for padding), and B
// packed per tap as kc x 8 floats. The tile stays in 12 vector registers.

typedef struct {
  v4 c[MR][2];
} tile;

// rows[i] is row i's table of tap pointers; bt[t] the packed B of tap t.
INLINE void igemm_tile(tile *o, int ntaps, int kc, const float *const *const *rows, const float *const *bt) {
#define DECL(i) v4 c##i##0 = splat(0), c##i##1 = splat(0);
  FOR_ROWS(DECL)
#undef DECL
  for (int t = 0; t < ntaps; t++) {
#define PTR(i) const float *p##i = rows[i][t];
    FOR_ROWS(PTR)
#undef PTR
    const float *b = bt[t];
    for (int k = 0; k < kc; k++) {
      v4 b0 = ld(b), b1 = ld(b + 4);
      b += NR;
#define FMA(i)                                                                                                         \
  {                                                                                                                    \
    v4 x = ldsplat(p##i + k);                                                                                          \
    c##i##0 = vmadd(x, b0, c##i##0);                                                                                   \
    c##i##1 = vmadd(x, b1, c##i##1);                                                                                   \
  }
      FOR_ROWS(FMA)
#undef FMA
    }
  }
#define OUT(i) o->c[i][0] = c##i##0, o->c[i][1] = c##i##1;
  FOR_ROWS(OUT)
#undef OUT
}

/** Stores nr (<= 8) columns of a two-vector row. */
INLINE void store_row(float *dst, v4 lo, v4 hi, int nr) {
  if (nr == NR) {
    st(dst, lo);
    st(dst + 4, hi);
    return;
  }
  float tmp[NR];
  st(tmp, lo);
  st(tmp + 4, hi);
  for (int j = 0; j < nr; j++) dst[j] = tmp[j];
}

// ---------------------------------------------------------------------------------------
// Convolution geometry and arguments (the host writes this struct word by word: keep the
// field order in step with kernels.ts).

typedef struct {
  int32_t *counter;   // 0  task counter, reset by the host
  int ntasks;         // 1
  int chunk;          // 2  rows per task
  const float *x;     // 3  input  [n][h][w][ci]  (forward, filter grad) or dy (input grad)
  const float *wp;    // 4  packed weights
  float *y;           // 5  output
  const float *bias;  // 6  bias or 0
  const float *zero;  // 7  zeros (>= max channels)
  char *scratch;      // 8  per-thread scratch
  int scratch_bytes;  // 9  per thread
  int n, h, w, ci;    // 10..13  input geometry
  int ho, wo, co;     // 14..16  output geometry
  int kh, kw, stride; // 17..19
  int pad_t, pad_l;   // 20..21
  float *stats;       // 22 per task: co means then co M2 (forward with batch statistics) or 0
  int epi;            // 23 0 plain (+bias), 1 scale/shift, 2 scale/shift + SiLU
  const float *scale; // 24
  const float *shift; // 25
  const float *dy;    // 26 filter grad: output gradient [m][co]
  float *partial;     // 27 filter grad: per task partial sums
} conv_args;

// Packs HWIO weights [taps][ci][co] into panels of 8 output channels: [panel][tap][ci][8]
// (zero padded). Tasks: panels.
EXPORT(pack_weights) void pack_weights(const conv_args *a, int tid) {
  (void)tid;
  int taps = a->kh * a->kw, K = taps * a->ci, co = a->co;
  int np = (co + NR - 1) / NR;
  for (int p; (p = next_task(a->counter)) < np;) {
    float *dst = (float *)a->wp + (long)p * K * NR;
    int n0 = p * NR, nr = imin(NR, co - n0);
    for (int k = 0; k < K; k++) {
      const float *src = a->x + (long)k * co + n0;
      for (int j = 0; j < NR; j++) dst[k * NR + j] = j < nr ? src[j] : 0.0f;
    }
  }
}

// Packs HWIO weights transposed for the input gradient: B[tap][co][ci] in panels of 8 input
// channels: [panel][tap][co][8]. Tasks: panels.
EXPORT(pack_weights_t) void pack_weights_t(const conv_args *a, int tid) {
  (void)tid;
  int taps = a->kh * a->kw, ci = a->ci, co = a->co;
  int np = (ci + NR - 1) / NR;
  for (int p; (p = next_task(a->counter)) < np;) {
    float *dst = (float *)a->wp + (long)p * taps * co * NR;
    int n0 = p * NR, nr = imin(NR, ci - n0);
    for (int t = 0; t < taps; t++)
      for (int o = 0; o < co; o++)
        for (int j = 0; j < NR; j++) dst[((long)t * co + o) * NR + j] = j < nr ? a->x[((long)t * ci + n0 + j) * co + o] : 0.0f;
  }
}

// Per-chunk batch statistics of rows [0, rows) of y (row stride co): the mean and the sum
// of squared deviations from it, per channel (two passes over data still in cache).
static void chunk_stats(const float *y, int rows, int co, float *mean, float *m2) {
  int c = 0;
  float inv = 1.0f / (float)rows;
  for (; c + 4 <= co; c += 4) {
    v4 s = splat(0);
    for (int r = 0; r < rows; r++) s = vadd(s, ld(y + (long)r * co + c));
    v4 m = vmul(s, splat(inv));
    v4 q = splat(0);
    for (int r = 0; r < rows; r++) {
      v4 d = vsub(ld(y + (long)r * co + c), m);
      q = vmadd(d, d, q);
    }
    st(mean + c, m);
    st(m2 + c, q);
  }
  for (; c < co; c++) {
    float s = 0;
    for (int r = 0; r < rows; r++) s += y[(long)r * co + c];
    float m = s * inv, q = 0;
    for (int r = 0; r < rows; r++) {
      float d = y[(long)r * co + c] - m;
      q += d * d;
    }
    mean[c] = m;
    m2[c] = q;
  }
}

// Per-panel epilogue constants: bias (epi 0) or scale and shift (epi 1, 2), zero padded.
typedef struct {
  v4 s0, s1, t0, t1;
} panel_epi;

INLINE panel_epi make_epi(int epi, const float *bias, const float *scale, const float *shift, int n0, int nr) {
  panel_epi e;
  float s[NR], t[NR];
  for (int j = 0; j < NR; j++) {
    s[j] = epi && j < nr ? scale[n0 + j] : 0.0f;
    t[j] = j >= nr ? 0.0f : epi ? shift[n0 + j] : bias ? bias[n0 + j] : 0.0f;
  }
  e.s0 = ld(s), e.s1 = ld(s + 4), e.t0 = ld(t), e.t1 = ld(t + 4);
  return e;
}

INLINE panel_epi epilogue_of(const conv_args *a, int n0, int nr) { return make_epi(a->epi, a->bias, a->scale, a->shift, n0, nr); }

INLINE void epilogue_row(int epi, const panel_epi *e, const exp_consts *k, float *dst, v4 lo, v4 hi, int nr) {
  if (epi == 0) {
    lo = vadd(lo, e->t0);
    hi = vadd(hi, e->t1);
  } else {
    lo = vmadd(lo, e->s0, e->t0);
    hi = vmadd(hi, e->s1, e->t1);
    if (epi == 2) {
      v4 s0 = lo, s1 = hi;
      vsigmoid2(&s0, &s1, k);
      lo = vmul(lo, s0);
      hi = vmul(hi, s1);
    }
  }
  store_row(dst, lo, hi, nr);
}

// Forward convolution: y[m][co] over output pixels m = (n, oy, ox). Tasks: chunks of rows.
// With a->stats, each task also writes its rows' batch statistics.
EXPORT(conv_forward) void conv_forward(const conv_args *a, int tid) {
  const exp_consts k = exp_consts_make();
  int taps = a->kh * a->kw, ci = a->ci, co = a->co;
  int M = a->n * a->ho * a->wo;
  int np = (co + NR - 1) / NR;
  const float **ind = (const float **)(a->scratch + (long)tid * a->scratch_bytes); // [chunk][taps]
  const float **bt = ind + a->chunk * taps;                                          // [taps]
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int m0 = task * a->chunk, m1 = imin(M, m0 + a->chunk);
    for (int m = m0; m < m1; m++) {
      int ox = m % a->wo, q = m / a->wo, oy = q % a->ho, n = q / a->ho;
      const float **row = ind + (m - m0) * taps;
      for (int ky = 0; ky < a->kh; ky++) {
        int iy = oy * a->stride + ky - a->pad_t;
        for (int kx = 0; kx < a->kw; kx++) {
          int ix = ox * a->stride + kx - a->pad_l;
          int in = iy >= 0 && iy < a->h && ix >= 0 && ix < a->w;
          row[ky * a->kw + kx] = in ? a->x + (((long)n * a->h + iy) * a->w + ix) * ci : a->zero;
        }
      }
    }
    for (int p = 0; p < np; p++) {
      int n0 = p * NR, nr = imin(NR, co - n0);
      for (int t = 0; t < taps; t++) bt[t] = a->wp + ((long)p * taps + t) * ci * NR;
      panel_epi e = epilogue_of(a, n0, nr);
      for (int r0 = m0; r0 < m1; r0 += MR) {
        int mr = imin(MR, m1 - r0);
        const float **base = ind + (r0 - m0) * taps;
        const float *const *rows[MR];
        for (int i = 0; i < MR; i++) rows[i] = base + imin(i, mr - 1) * taps; // past mr: repeats, not stored
        tile o;
        igemm_tile(&o, taps, ci, rows, bt);
        for (int i = 0; i < mr; i++) epilogue_row(a->epi, &e, &k, a->y + (long)(r0 + i) * co + n0, o.c[i][0], o.c[i][1], nr);
      }
    }
    if (a->stats) {
      float *mean = a->stats + (long)task * 2 * co;
      chunk_stats(a->y + (long)m0 * co, m1 - m0, co, mean, mean + co);
    }
  }
}

// Input gradient: dx[n][y][x][ci] = sum over taps (ky, kx) and co of
// dy[n][(y+pad-ky)/s][(x+pad-kx)/s][co] * w[ky][kx][ci][co], where the division is exact.
// The input pixels fall into s*s classes by (y mod s, x mod s); within a class every pixel
// uses the same taps, so no work is spent on the zeros of a strided convolution.
// a->x is dy, a->wp the transposed packing, a->y is dx. Tasks: chunks of rows of each class.
EXPORT(conv_input_grad) void conv_input_grad(const conv_args *a, int tid) {
  int s = a->stride, ci = a->ci, co = a->co, kh = a->kh, kw = a->kw, taps = kh * kw;
  int np = (ci + NR - 1) / NR;
  const float **ind = (const float **)(a->scratch + (long)tid * a->scratch_bytes); // [chunk][taps]
  const float **bt = ind + a->chunk * taps;                                          // [taps]
  float **out = (float **)(bt + taps);                                               // [chunk]
  int *tk = (int *)(out + a->chunk);                                                 // [taps]
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    // Find the class and chunk of this task (classes in order, each split in chunks).
    int t0 = task, cls = 0, ny = 0, nx = 0, rows = 0;
    for (; cls < s * s; cls++) {
      int py = cls / s, px = cls % s;
      ny = py < a->h ? (a->h - py + s - 1) / s : 0;
      nx = px < a->w ? (a->w - px + s - 1) / s : 0;
      rows = a->n * ny * nx;
      int nt = (rows + a->chunk - 1) / a->chunk;
      if (t0 < nt) break;
      t0 -= nt;
    }
    int py = cls / s, px = cls % s;
    int m0 = t0 * a->chunk, m1 = imin(rows, m0 + a->chunk);
    // The taps of this class.
    int nt = 0;
    for (int ky = 0; ky < kh; ky++)
      for (int kx = 0; kx < kw; kx++) {
        int dy0 = py + a->pad_t - ky, dx0 = px + a->pad_l - kx;
        if (((dy0 % s) + s) % s == 0 && ((dx0 % s) + s) % s == 0) tk[nt++] = ky * kw + kx;
      }
    for (int m = m0; m < m1; m++) {
      int j = m % nx, q = m / nx, i = q % ny, n = q / ny;
      int y = py + i * s, x = px + j * s;
      out[m - m0] = a->y + (((long)n * a->h + y) * a->w + x) * ci;
      const float **row = ind + (m - m0) * taps;
      for (int t = 0; t < nt; t++) {
        int ky = tk[t] / kw, kx = tk[t] % kw;
        int oyn = y + a->pad_t - ky, oxn = x + a->pad_l - kx;
        int oy = oyn / s, ox = oxn / s; // exact: same class
        int in = oyn >= 0 && oxn >= 0 && oy < a->ho && ox < a->wo;
        row[t] = in ? a->x + (((long)n * a->ho + oy) * a->wo + ox) * co : a->zero;
      }
    }
    for (int p = 0; p < np; p++) {
      int n0 = p * NR, nr = imin(NR, ci - n0);
      for (int t = 0; t < nt; t++) bt[t] = a->wp + ((long)p * taps + tk[t]) * co * NR;
      for (int r0 = m0; r0 < m1; r0 += MR) {
        int mr = imin(MR, m1 - r0);
        const float **base = ind + (r0 - m0) * taps;
        const float *const *rows[MR];
        for (int i = 0; i < MR; i++) rows[i] = base + imin(i, mr - 1) * taps;
        tile o;
        igemm_tile(&o, nt, co, rows, bt);
        for (int i = 0; i < mr; i++) store_row(out[r0 - m0 + i] + n0, o.c[i][0], o.c[i][1], nr);
      }
    }
  }
}

// Filter gradient, partial sums: for task (chunk c, tap t), partial[c][t][ci][co] = sum over
// the chunk's output pixels m, in order, of x[pixel(m, t)][ci] * dy[m][co]. a->x is the
// forward input, a->dy the output gradient. Tasks: chunks x taps. The rows are walked in
// blocks that stay in cache; a tile's sums carry over from block to block through memory,
// which does not change them.
EXPORT(conv_filter_grad) void conv_filter_grad(const conv_args *a, int tid) {
  int taps = a->kh * a->kw, ci = a->ci, co = a->co;
  int M = a->n * a->ho * a->wo;
  int np = (co + NR - 1) / NR;
  // Few input channels: one task per chunk over copied patches of taps*ci floats (the
  // partial's [tap][ci] order), instead of one per tap with a 3-long inner dimension.
  const int packed = PACKED(ci);
  const int gt = packed ? 1 : taps, gk = packed ? taps * ci : ci;
  int sub = imax(32, imin(512, 32768 / (gk + co)));
  const float **ind = (const float **)(a->scratch + (long)tid * a->scratch_bytes); // [sub]
  float *tail = (float *)(ind + sub);                                                // [sub][8]
  float *patches = tail + sub * NR;                                                  // [sub][gk] when packed
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int c = task / gt, t = task % gt, ky = t / a->kw, kx = t % a->kw;
    int m0 = c * a->chunk, m1 = imin(M, m0 + a->chunk);
    float *dst = a->partial + ((long)c * gt + t) * gk * co;
    for (int s0 = m0; s0 < m1; s0 += sub) {
      int rows = imin(sub, m1 - s0), first = s0 == m0;
      for (int m = s0; m < s0 + rows; m++) {
        int ox = m % a->wo, q = m / a->wo, oy = q % a->ho, n = q / a->ho;
        if (packed) {
          float *row = patches + (long)(m - s0) * gk;
          for (int y = 0; y < a->kh; y++) {
            int iy = oy * a->stride + y - a->pad_t;
            for (int x = 0; x < a->kw; x++) {
              int ix = ox * a->stride + x - a->pad_l;
              int in = iy >= 0 && iy < a->h && ix >= 0 && ix < a->w;
              const float *src = a->x + (((long)n * a->h + iy) * a->w + ix) * ci;
              for (int j = 0; j < ci; j++) row[(y * a->kw + x) * ci + j] = in ? src[j] : 0.0f;
            }
          }
          ind[m - s0] = row;
          continue;
        }
        int iy = oy * a->stride + ky - a->pad_t, ix = ox * a->stride + kx - a->pad_l;
        int in = iy >= 0 && iy < a->h && ix >= 0 && ix < a->w;
        ind[m - s0] = in ? a->x + (((long)n * a->h + iy) * a->w + ix) * ci : a->zero;
      }
      for (int p = 0; p < np; p++) {
        int n0 = p * NR, nr = imin(NR, co - n0);
        const float *b = a->dy + (long)s0 * co + n0;
        int bstride = co;
        if (nr < NR) { // the last panel reads a zero-padded copy (no reads past dy's end)
          for (int r = 0; r < rows; r++)
            for (int j = 0; j < NR; j++) tail[r * NR + j] = j < nr ? b[(long)r * co + j] : 0.0f;
          b = tail;
          bstride = NR;
        }
        for (int k0 = 0; k0 < gk; k0 += MR) {
          int kr = imin(MR, gk - k0);
          // Offsets of the MR input channels; past ci they repeat the last one (not stored).
#define OFF(i) int o##i = k0 + imin(i, kr - 1);
          FOR_ROWS(OFF)
#undef OFF
          float *d = dst + (long)k0 * co + n0;
#define INIT(i) v4 c##i##0 = first ? splat(0) : ld(d + i * co), c##i##1 = first ? splat(0) : ld(d + i * co + 4);
          // Not the first block: the sums so far (rows past kr and columns past nr were
          // stored as they are, so whole vectors reload)
          FOR_ROWS(INIT)
#undef INIT
          const float *bb = b;
          if (kr == MR) { // constant offsets from one pointer per row
            for (int r = 0; r < rows; r++) {
              const float *px = ind[r] + k0;
              v4 b0 = ld(bb), b1 = ld(bb + 4);
              bb += bstride;
#define FMA(i)                                                                                                         \
  {                                                                                                                    \
    v4 x = ldsplat(px + i);                                                                                            \
    c##i##0 = vmadd(x, b0, c##i##0);                                                                                   \
    c##i##1 = vmadd(x, b1, c##i##1);                                                                                   \
  }
              FOR_ROWS(FMA)
#undef FMA
            }
          } else {
            for (int r = 0; r < rows; r++) {
              const float *px = ind[r];
              v4 b0 = ld(bb), b1 = ld(bb + 4);
              bb += bstride;
#define FMA(i)                                                                                                         \
  {                                                                                                                    \
    v4 x = ldsplat(px + o##i);                                                                                         \
    c##i##0 = vmadd(x, b0, c##i##0);                                                                                   \
    c##i##1 = vmadd(x, b1, c##i##1);                                                                                   \
  }
              FOR_ROWS(FMA)
#undef FMA
            }
          }
#define STORE(i) \
  if (i < kr) store_row(d + i * co, c##i##0, c##i##1, nr);
          FOR_ROWS(STORE)
#undef STORE
        }
      }
    }
  }
}

// Sums per-task partials in task order: out[k] = sum_c partial[c][k] for k < len.
// args: counter, ntasks (slices of 256 vectors), nparts, len, partial, out.
typedef struct {
  int32_t *counter;
  int ntasks;
  int nparts;
  int len;
  const float *partial;
  float *out;
} reduce_args;

EXPORT(reduce_partials) void reduce_partials(const reduce_args *a, int tid) {
  (void)tid;
  const int slice = 1024;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int k0 = task * slice, k1 = imin(a->len, k0 + slice);
    int k = k0;
    for (; k + 4 <= k1; k += 4) {
      v4 s = ld(a->partial + k);
      for (int c = 1; c < a->nparts; c++) s = vadd(s, ld(a->partial + (long)c * a->len + k));
      st(a->out + k, s);
    }
    for (; k < k1; k++) {
      float s = a->partial[k];
      for (int c = 1; c < a->nparts; c++) s += a->partial[(long)c * a->len + k];
      a->out[k] = s;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Batch norm (training): statistics from the per-task partials of conv_forward, the
// normalisation + SiLU, and the backward pass in two passes (sums, then the input gradient).

// Merges per-chunk (mean, M2) pairs in chunk order (Chan et al.) in double precision and
// writes stats[0..5][co]: mean, biased variance, 1/sqrt(var+eps), scale = gamma*rstd,
// shift = beta - mean*scale; with run_mean, also the running averages as PyTorch updates
// them: (1-m)*running + m*batch (the variance unbiased: var_factor = m*n/(n-1)). One thread.
EXPORT(bn_finalize)
void bn_finalize(const float *partial, int nchunks, int chunk, int rows, int co, const float *gamma, const float *beta, float eps, float *stats, const float *run_mean,
                 const float *run_var, float momentum, float var_factor, float *new_mean, float *new_var) {
  for (int c = 0; c < co; c++) {
    double n = 0, mean = 0, m2 = 0;
    for (int k = 0; k < nchunks; k++) {
      double nb = (double)imin(chunk, rows - k * chunk);
      double mb = partial[(long)k * 2 * co + c], qb = partial[(long)k * 2 * co + co + c];
      double tot = n + nb, d = mb - mean;
      mean += d * nb / tot;
      m2 += qb + d * d * n * nb / tot;
      n = tot;
    }
    float fmean = (float)mean, fvar = (float)(m2 / n);
    float rstd = (float)(1.0 / __builtin_sqrt(m2 / n + (double)eps));
    float scale = gamma[c] * rstd;
    stats[c] = fmean;
    stats[co + c] = fvar;
    stats[2 * co + c] = rstd;
    stats[3 * co + c] = scale;
    stats[4 * co + c] = beta[c] - fmean * scale;
    if (run_mean) {
      new_mean[c] = run_mean[c] * (1.0f - momentum) + fmean * momentum;
      new_var[c] = run_var[c] * (1.0f - momentum) + fvar * var_factor;
    }
  }
}

typedef struct {
  int32_t *counter; // 0
  int ntasks;       // 1
  int chunk;        // 2 rows per task
  int rows;         // 3
  int co;           // 4
  int act;          // 5 1 = SiLU
  const float *y;   // 6 conv output (pre-norm)
  float *out;       // 7 normalised (+SiLU) output, or the gradient (backward)
  const float *stats; // 8 [5][co] from bn_finalize
  const float *dout;  // 9 backward: gradient of out
  float *partial;     // 10 backward: per task [2][co]: sum dz, sum dz*xhat
  const float *gamma; // 11
  const float *sums;  // 12 backward pass 2: [2][co] totals
} bn_args;

// out = act(y * scale + shift). Tasks: chunks of rows.
EXPORT(bn_apply) void bn_apply(const bn_args *a, int tid) {
  const exp_consts k = exp_consts_make();
  const int act = a->act;
  (void)tid;
  int co = a->co;
  const float *scale = a->stats + 3 * co, *shift = a->stats + 4 * co;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->rows, r0 + a->chunk);
    for (int r = r0; r < r1; r++) {
      const float *y = a->y + (long)r * co;
      float *o = a->out + (long)r * co;
      int c = 0;
      if (act)
        for (; c + 8 <= co; c += 8) {
          v4 z0 = vmadd(ld(y + c), ld(scale + c), ld(shift + c)), z1 = vmadd(ld(y + c + 4), ld(scale + c + 4), ld(shift + c + 4));
          v4 s0 = z0, s1 = z1;
          vsigmoid2(&s0, &s1, &k);
          st(o + c, vmul(z0, s0));
          st(o + c + 4, vmul(z1, s1));
        }
      for (; c + 4 <= co; c += 4) {
        v4 z = vmadd(ld(y + c), ld(scale + c), ld(shift + c));
        if (act) z = vmul(z, vsigmoid(z, &k));
        st(o + c, z);
      }
      for (; c < co; c++) {
        float z = y[c] * scale[c] + shift[c];
        o[c] = act ? z * ssigmoid(z, &k) : z;
      }
    }
  }
}

// Backward pass 1: dz = dout * act'(z) (z = y*scale + shift recomputed), written to a->out,
// and per task the sums of dz and dz*xhat per channel. Tasks: chunks of rows.
EXPORT(bn_backward_sums) void bn_backward_sums(const bn_args *a, int tid) {
  const exp_consts k = exp_consts_make();
  (void)tid;
  int co = a->co;
  const float *mean = a->stats, *rstd = a->stats + 2 * co, *scale = a->stats + 3 * co, *shift = a->stats + 4 * co;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->rows, r0 + a->chunk);
    float *s1 = a->partial + (long)task * 2 * co, *s2 = s1 + co;
    int c = 0;
    const float *ys = a->y, *gs = a->dout;
    float *out = a->out;
    if (a->act)
      for (; c + 8 <= co; c += 8) { // two channel groups interleaved (see vexp2)
        v4 sca = ld(scale + c), sha = ld(shift + c), mua = ld(mean + c), rsa = ld(rstd + c);
        v4 scb = ld(scale + c + 4), shb = ld(shift + c + 4), mub = ld(mean + c + 4), rsb = ld(rstd + c + 4);
        v4 a1 = splat(0), a2 = splat(0), b1 = splat(0), b2 = splat(0);
        for (int r = r0; r < r1; r++) {
          const float *yp = ys + (long)r * co + c, *gp = gs + (long)r * co + c;
          v4 ya = ld(yp), yb = ld(yp + 4), ga = ld(gp), gb = ld(gp + 4);
          v4 za = vmadd(ya, sca, sha), zb = vmadd(yb, scb, shb);
          v4 sa = za, sb = zb;
          vsigmoid2(&sa, &sb, &k);
          ga = vmul(ga, vmul(sa, vadd(k.one, vmul(za, vsub(k.one, sa)))));
          gb = vmul(gb, vmul(sb, vadd(k.one, vmul(zb, vsub(k.one, sb)))));
          st(out + (long)r * co + c, ga);
          st(out + (long)r * co + c + 4, gb);
          a1 = vadd(a1, ga), b1 = vadd(b1, gb);
          a2 = vmadd(ga, vmul(vsub(ya, mua), rsa), a2), b2 = vmadd(gb, vmul(vsub(yb, mub), rsb), b2);
        }
        st(s1 + c, a1), st(s1 + c + 4, b1);
        st(s2 + c, a2), st(s2 + c + 4, b2);
      }
    for (; c + 4 <= co; c += 4) {
      v4 sc = ld(scale + c), sh = ld(shift + c), mu = ld(mean + c), rs = ld(rstd + c);
      v4 acc1 = splat(0), acc2 = splat(0);
      for (int r = r0; r < r1; r++) {
        v4 y = ld(a->y + (long)r * co + c), g = ld(a->dout + (long)r * co + c);
        if (a->act) {
          v4 z = vmadd(y, sc, sh), s = vsigmoid(z, &k);
          g = vmul(g, vmul(s, vadd(splat(1.0f), vmul(z, vsub(splat(1.0f), s)))));
        }
        st(a->out + (long)r * co + c, g);
        acc1 = vadd(acc1, g);
        acc2 = vmadd(g, vmul(vsub(y, mu), rs), acc2);
      }
      st(s1 + c, acc1);
      st(s2 + c, acc2);
    }
    for (; c < co; c++) {
      float acc1 = 0, acc2 = 0;
      for (int r = r0; r < r1; r++) {
        float y = a->y[(long)r * co + c], g = a->dout[(long)r * co + c];
        if (a->act) {
          float z = y * scale[c] + shift[c], s = ssigmoid(z, &k);
          g = g * (s * (1.0f + z * (1.0f - s)));
        }
        a->out[(long)r * co + c] = g;
        acc1 += g;
        acc2 += g * ((y - mean[c]) * rstd[c]);
      }
      s1[c] = acc1;
      s2[c] = acc2;
    }
  }
}

// Adds the per-task sums of pass 1 in task order (double precision): sums[0][c] = sum dz,
// sums[1][c] = sum dz*xhat. One thread.
EXPORT(bn_sums_finalize) void bn_sums_finalize(const float *partial, int ntasks, int co, float *sums) {
  for (int c = 0; c < co; c++) {
    double s1 = 0, s2 = 0;
    for (int k = 0; k < ntasks; k++) {
      s1 += partial[(long)k * 2 * co + c];
      s2 += partial[(long)k * 2 * co + co + c];
    }
    sums[c] = (float)s1;
    sums[co + c] = (float)s2;
  }
}

// Backward pass 2, in place over dz: dy = gamma*rstd * (dz - sum(dz)/n - xhat*sum(dz*xhat)/n).
EXPORT(bn_backward_apply) void bn_backward_apply(const bn_args *a, int tid) {
  (void)tid;
  int co = a->co;
  float inv = 1.0f / (float)a->rows;
  const float *mean = a->stats, *rstd = a->stats + 2 * co;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->rows, r0 + a->chunk);
    int c = 0;
    for (; c + 4 <= co; c += 4) {
      v4 mu = ld(mean + c), rs = ld(rstd + c);
      v4 k = vmul(ld(a->gamma + c), rs);
      v4 m1 = vmul(ld(a->sums + c), splat(inv)), m2 = vmul(ld(a->sums + co + c), splat(inv));
      for (int r = r0; r < r1; r++) {
        float *g = a->out + (long)r * co + c;
        v4 xh = vmul(vsub(ld(a->y + (long)r * co + c), mu), rs);
        st(g, vmul(k, vsub(vsub(ld(g), m1), vmul(xh, m2))));
      }
    }
    for (; c < co; c++) {
      float k = a->gamma[c] * rstd[c], m1 = a->sums[c] * inv, m2 = a->sums[co + c] * inv;
      for (int r = r0; r < r1; r++) {
        float *g = a->out + (long)r * co + c;
        float xh = (a->y[(long)r * co + c] - mean[c]) * rstd[c];
        *g = k * ((*g - m1) - xh * m2);
      }
    }
  }
}

// Per-task column sums of a [rows][co] matrix (the bias gradient), partial[task][co].
EXPORT(column_sums) void column_sums(const bn_args *a, int tid) {
  (void)tid;
  int co = a->co;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->rows, r0 + a->chunk);
    float *dst = a->partial + (long)task * co;
    int c = 0;
    for (; c + 4 <= co; c += 4) {
      v4 s = splat(0);
      for (int r = r0; r < r1; r++) s = vadd(s, ld(a->dout + (long)r * co + c));
      st(dst + c, s);
    }
    for (; c < co; c++) {
      float s = 0;
      for (int r = r0; r < r1; r++) s += a->dout[(long)r * co + c];
      dst[c] = s;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Data movement: channel slices between [rows][c] matrices (concat, split) and 2x nearest
// upsampling with its gradient.

typedef struct {
  const float *src;
  float *dst;
  int src_stride, src_off, dst_stride, dst_off, width;
} copy_spec;

typedef struct {
  int32_t *counter; // 0
  int ntasks;       // 1
  int chunk;        // 2
  int rows;         // 3
  int ncopies;      // 4
  const copy_spec *copies; // 5
} copy_args;

INLINE void copy_floats(float *d, const float *s, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    st(d + i, ld(s + i));
    st(d + i + 4, ld(s + i + 4));
  }
  for (; i + 4 <= n; i += 4) st(d + i, ld(s + i));
  for (; i < n; i++) d[i] = s[i];
}

// For every copy: dst[r][dst_off : dst_off+width] = src[r][src_off : src_off+width].
EXPORT(copy_channels) void copy_channels(const copy_args *a, int tid) {
  (void)tid;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->rows, r0 + a->chunk);
    for (int k = 0; k < a->ncopies; k++) {
      const copy_spec *c = a->copies + k;
      for (int r = r0; r < r1; r++) copy_floats(c->dst + (long)r * c->dst_stride + c->dst_off, c->src + (long)r * c->src_stride + c->src_off, c->width);
    }
  }
}

typedef struct {
  int32_t *counter; // 0
  int ntasks;       // 1
  int chunk;        // 2 input rows (n, y) per task
  int n, h, w, c;   // 3..6 input geometry
  const float *src; // 7
  float *dst;       // 8
} upsample_args;

// out[n][2y+i][2x+j] = in[n][y][x]. Tasks: chunks of input rows (n, y).
EXPORT(upsample2x) void upsample2x(const upsample_args *a, int tid) {
  (void)tid;
  int w = a->w, c = a->c;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->n * a->h, r0 + a->chunk);
    for (int r = r0; r < r1; r++) {
      const float *s = a->src + (long)r * w * c;
      float *d0 = a->dst + (long)r * 4 * w * c, *d1 = d0 + 2 * w * c;
      for (int x = 0; x < w; x++) {
        copy_floats(d0 + 2 * x * c, s + x * c, c);
        copy_floats(d0 + (2 * x + 1) * c, s + x * c, c);
      }
      copy_floats(d1, d0, 2 * w * c);
    }
  }
}

// Gradient: in[n][y][x] = sum of the four out pixels. a->src is dout, a->dst din.
EXPORT(upsample2x_grad) void upsample2x_grad(const upsample_args *a, int tid) {
  (void)tid;
  int w = a->w, c = a->c;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->n * a->h, r0 + a->chunk);
    for (int r = r0; r < r1; r++) {
      const float *s0 = a->src + (long)r * 4 * w * c, *s1 = s0 + 2 * w * c;
      float *d = a->dst + (long)r * w * c;
      for (int x = 0; x < w; x++) {
        const float *p = s0 + 2 * x * c, *q = s1 + 2 * x * c;
        int k = 0;
        for (; k + 4 <= c; k += 4) st(d + x * c + k, vadd(vadd(ld(p + k), ld(p + c + k)), vadd(ld(q + k), ld(q + c + k))));
        for (; k < c; k++) d[x * c + k] = (p[k] + p[c + k]) + (q[k] + q[c + k]);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// k x k max-pooling, stride 1, 'same' padding (SPPF), with the window offset of each
// maximum (the first in row-major order among equals, as PyTorch) for the gradient.

typedef struct {
  int32_t *counter; // 0
  int ntasks;       // 1
  int chunk;        // 2 rows (n, y) per task
  int n, h, w, c;   // 3..6
  int k;            // 7 window
  const float *x;   // 8 forward: input; backward: output gradient
  float *out;       // 9 forward: output; backward: input gradient
  int32_t *arg;     // 10 window offset of the maximum, per output element
} pool_args;

EXPORT(maxpool_same) void maxpool_same(const pool_args *a, int tid) {
  (void)tid;
  int h = a->h, w = a->w, c = a->c, k = a->k, p = k / 2;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->n * h, r0 + a->chunk);
    for (int r = r0; r < r1; r++) {
      int n = r / h, y = r % h;
      for (int x = 0; x < w; x++) {
        float *o = a->out + ((long)r * w + x) * c;
        int32_t *g = a->arg + ((long)r * w + x) * c;
        for (int ch = 0; ch < c; ch += 4) {
          int lanes = imin(4, c - ch);
          v4 best = splat(-__builtin_inff()), idx = wasm_i32x4_splat(0);
          for (int ky = 0; ky < k; ky++) {
            int iy = y + ky - p;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < k; kx++) {
              int ix = x + kx - p;
              if (ix < 0 || ix >= w) continue;
              const float *src = a->x + (((long)n * h + iy) * w + ix) * c + ch;
              v4 v;
              if (lanes == 4) v = ld(src);
              else {
                float t[4] = {0, 0, 0, 0};
                for (int j = 0; j < lanes; j++) t[j] = src[j];
                v = ld(t);
              }
              v4 gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              idx = wasm_v128_bitselect(wasm_i32x4_splat(ky * k + kx), idx, gt);
            }
          }
          if (lanes == 4) {
            st(o + ch, best);
            wasm_v128_store(g + ch, idx);
          } else {
            float t[4];
            int32_t u[4];
            st(t, best);
            wasm_v128_store(u, idx);
            for (int j = 0; j < lanes; j++) o[ch + j] = t[j], g[ch + j] = u[j];
          }
        }
      }
    }
  }
}

// dx[n][y][x] = sum, over the windows that contain (y, x) and took their maximum there, of
// their output gradient (windows in a fixed order).
EXPORT(maxpool_same_grad) void maxpool_same_grad(const pool_args *a, int tid) {
  (void)tid;
  int h = a->h, w = a->w, c = a->c, k = a->k, p = k / 2;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int r0 = task * a->chunk, r1 = imin(a->n * h, r0 + a->chunk);
    for (int r = r0; r < r1; r++) {
      int n = r / h, y = r % h;
      for (int x = 0; x < w; x++) {
        float *d = a->out + ((long)r * w + x) * c;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          v4 s = splat(0);
          for (int ky = 0; ky < k; ky++) {
            int oy = y - ky + p;
            if (oy < 0 || oy >= h) continue;
            for (int kx = 0; kx < k; kx++) {
              int ox = x - kx + p;
              if (ox < 0 || ox >= w) continue;
              long o = (((long)n * h + oy) * w + ox) * c + ch;
              v4 hit = wasm_i32x4_eq(wasm_v128_load(a->arg + o), wasm_i32x4_splat(ky * k + kx));
              s = vadd(s, wasm_v128_and(ld(a->x + o), hit));
            }
          }
          st(d + ch, s);
        }
        for (; ch < c; ch++) {
          float s = 0;
          for (int ky = 0; ky < k; ky++) {
            int oy = y - ky + p;
            if (oy < 0 || oy >= h) continue;
            for (int kx = 0; kx < k; kx++) {
              int ox = x - kx + p;
              if (ox < 0 || ox >= w) continue;
              long o = (((long)n * h + oy) * w + ox) * c + ch;
              if (a->arg[o] == ky * k + kx) s += a->x[o];
            }
          }
          d[ch] = s;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Elementwise ops on large tensors (tfjs's own run on one thread, some without SIMD):
// out[i] = op(a[i mod na], b[i mod nb]), each operand either full-size or repeated.

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MAX, OP_MIN, OP_EXP, OP_SIGMOID, OP_SOFTPLUS };

typedef struct {
  int32_t *counter; // 0
  int ntasks;       // 1
  int chunk;        // 2 elements per task, a multiple of 4
  int n;            // 3 elements
  int op;           // 4
  const float *a;   // 5
  const float *b;   // 6 (binary ops)
  float *out;       // 7
  int na, nb;       // 8, 9 period of a and b (n when full-size)
  int ea, eb;       // 10, 11 > 1: each element of a (b) repeats ea (eb) times in a row, a
                    // multiple of 4 (a [..., 1] operand against [..., 16]); the other is full-size
                    // or (b) a scalar
} elementwise_args;

// log(1 + u) for u in [0, 1]: 2 atanh(u / (2 + u)), t <= 1/3, odd series to t^13.
INLINE v4 vlog1p01(v4 u, const exp_consts *k) {
  v4 t = wasm_f32x4_div(u, vadd(splat(2.0f), u));
  v4 t2 = vmul(t, t);
  v4 p = splat(1.0f / 13);
  p = vmadd(p, t2, splat(1.0f / 11));
  p = vmadd(p, t2, splat(1.0f / 9));
  p = vmadd(p, t2, splat(1.0f / 7));
  p = vmadd(p, t2, splat(1.0f / 5));
  p = vmadd(p, t2, splat(1.0f / 3));
  p = vmadd(p, t2, k->one);
  return vmul(vadd(t, t), p);
}

INLINE v4 apply_op(int op, v4 x, v4 y, const exp_consts *k) {
  switch (op) {
  case OP_ADD: return vadd(x, y);
  case OP_SUB: return vsub(x, y);
  case OP_MUL: return vmul(x, y);
  case OP_DIV: return wasm_f32x4_div(x, y);
  case OP_MAX: return wasm_f32x4_max(x, y); // NaN-propagating, as tfjs
  case OP_MIN: return wasm_f32x4_min(x, y);
  case OP_EXP: return vexp(x, k);
  case OP_SIGMOID: return vsigmoid(x, k);
  default: { // softplus(x) = max(x, 0) + log1p(exp(-|x|))
    v4 ax = wasm_f32x4_abs(x);
    return vadd(wasm_f32x4_pmax(x, splat(0.0f)), vlog1p01(vexp(wasm_f32x4_neg(ax), k), k));
  }
  }
}

// One task's elements [i0, i1) for a fixed op (always inlined, so each op gets its own
// loops): operands are full-size (period n), repeating (period a multiple of 4), scalar or
// expanded along the last dimensions.
INLINE void elementwise_range(const int op, const elementwise_args *a, int i0, int i1, const exp_consts *k) {
  const int na = a->na, nb = a->nb, n = a->n;
  const float *pa = a->a, *pb = a->b;
  float *out = a->out;
  int i = i0;
  if (a->ea > 1 || a->eb > 1) { // expanded operands: one value for a whole vector
    const int ea = a->ea, eb = a->eb;
    for (; i + 4 <= i1; i += 4) {
      v4 x = ea > 1 ? ldsplat(pa + i / ea) : ld(pa + i), y = eb > 1 ? ldsplat(pb + i / eb) : nb == 1 ? ldsplat(pb) : ld(pb + i);
      st(out + i, apply_op(op, x, y, k));
    }
    return;
  }
  if ((na == n || na == 1 || na % 4 == 0) && (!pb || nb == n || nb == 1 || nb % 4 == 0)) {
    const v4 sa = splat(pa[0]), sb = pb ? splat(pb[0]) : sa;
    if (na == n && (!pb || nb == n)) { // the common case: no broadcast
      for (; i + 4 <= i1; i += 4) st(out + i, apply_op(op, ld(pa + i), pb ? ld(pb + i) : sa, k));
    } else if (na == n && nb == 1) {
      for (; i + 4 <= i1; i += 4) st(out + i, apply_op(op, ld(pa + i), sb, k));
    } else if (na == 1 && nb == n) {
      for (; i + 4 <= i1; i += 4) st(out + i, apply_op(op, sa, ld(pb + i), k));
    } else { // repeating operands: positions wrap
      int ia = i % na, ib = pb ? i % nb : 0;
      for (; i + 4 <= i1; i += 4) {
        v4 x = na == 1 ? sa : ld(pa + ia), y = !pb ? x : nb == 1 ? sb : ld(pb + ib);
        st(out + i, apply_op(op, x, y, k));
        if ((ia += 4) >= na) ia = 0;
        if (pb && (ib += 4) >= nb) ib = 0;
      }
    }
  }
  for (; i < i1; i++) {
    v4 x = splat(pa[i % na]), y = pb ? splat(pb[i % nb]) : x;
    out[i] = wasm_f32x4_extract_lane(apply_op(op, x, y, k), 0);
  }
}

EXPORT(elementwise) void elementwise(const elementwise_args *a, int tid) {
  (void)tid;
  const exp_consts k = exp_consts_make();
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int i0 = task * a->chunk, i1 = imin(a->n, i0 + a->chunk);
    switch (a->op) {
    case OP_ADD: elementwise_range(OP_ADD, a, i0, i1, &k); break;
    case OP_SUB: elementwise_range(OP_SUB, a, i0, i1, &k); break;
    case OP_MUL: elementwise_range(OP_MUL, a, i0, i1, &k); break;
    case OP_DIV: elementwise_range(OP_DIV, a, i0, i1, &k); break;
    case OP_MAX: elementwise_range(OP_MAX, a, i0, i1, &k); break;
    case OP_MIN: elementwise_range(OP_MIN, a, i0, i1, &k); break;
    case OP_EXP: elementwise_range(OP_EXP, a, i0, i1, &k); break;
    case OP_SIGMOID: elementwise_range(OP_SIGMOID, a, i0, i1, &k); break;
    default: elementwise_range(OP_SOFTPLUS, a, i0, i1, &k); break;
    }
  }
}

// ---------------------------------------------------------------------------------------
// 3x3 stride-1 convolution by Winograd's F(m x m, 3x3), m = 2 or 4: an m x m output tile
// costs (m+2)^2 products per channel pair instead of 9 m^2 (F(2x2): 16 for 36, F(4x4): 36
// for 144). Inputs d ((m+2)^2 patches) become V = B^T d B, weights g become U = G g G^T
// (done once per call, packed per transform position xi), the (m+2)^2 positions are as
// many GEMMs M = V U over the channels, and the outputs are Y = A^T M A. A task is a block
// of tiles whose V and M stay in the thread's scratch. Used for the forward convolution
// and, with the kernel flipped and transposed, the input gradient. F(4x4)'s matrices are
// Lavin & Gray's (interpolation points 0, +-1, +-2, infinity): fewer products and less
// memory traffic per output, at the price of larger transforms and rounding errors about
// ten times F(2x2)'s (still ~1e-6 relative in float32).

typedef struct {
  int32_t *counter;   // 0
  int ntasks;         // 1
  int tb;             // 2 tiles per task (a multiple of MR)
  const float *x;     // 3 input [n][h][w][ci]
  const float *up;    // 4 transformed, packed weights: [16][panel][ci][8]
  float *y;           // 5 output [n][h][w][co]
  const float *bias;  // 6
  char *scratch;      // 7
  int scratch_bytes;  // 8
  int n, h, w, ci, co; // 9..13
  int epi;            // 14 as conv_args
  const float *scale; // 15
  const float *shift; // 16
  const float *wsrc;  // 17 weights HWIO [3][3][ci0][co0] (winograd_weights)
  int flip;           // 18 winograd_weights: the input gradient's kernel (rot180, ci/co swapped)
  int m;              // 19 output tile: 2 (F(2x2, 3x3)) or 4 (F(4x4, 3x3))
} wino_args;

// Multipliers of F(4x4)'s transforms, kept in registers (see exp_consts).
typedef struct {
  v4 two, four, five, eight;
} wino4_consts;

INLINE wino4_consts wino4_consts_make(void) {
  wino4_consts k;
  k.two = opaque(splat(2.0f));
  k.four = opaque(splat(4.0f));
  k.five = opaque(splat(5.0f));
  k.eight = opaque(splat(8.0f));
  return k;
}

// F(4x4)'s B^T on six values (a column, then a row, of a 6x6 patch).
INLINE void wino4_bt(v4 d0, v4 d1, v4 d2, v4 d3, v4 d4, v4 d5, v4 *r, const wino4_consts *k) {
  v4 t1 = vsub(d4, vmul(k->four, d2)), t2 = vsub(d3, vmul(k->four, d1));
  v4 t3 = vsub(d4, d2), t4 = vmul(k->two, vsub(d3, d1));
  r[0] = vadd(vsub(vmul(k->four, d0), vmul(k->five, d2)), d4);
  r[1] = vadd(t1, t2);
  r[2] = vsub(t1, t2);
  r[3] = vadd(t3, t4);
  r[4] = vsub(t3, t4);
  r[5] = vadd(vsub(vmul(k->four, d1), vmul(k->five, d3)), d5);
}

// F(4x4)'s A^T on six values: four outputs.
INLINE void wino4_at(v4 m0, v4 m1, v4 m2, v4 m3, v4 m4, v4 m5, v4 *o, const wino4_consts *k) {
  v4 a = vadd(m1, m2), b = vsub(m1, m2), c = vadd(m3, m4), e = vsub(m3, m4);
  o[0] = vadd(vadd(m0, a), c);
  o[1] = vadd(b, vmul(k->two, e));
  o[2] = vadd(a, vmul(k->four, c));
  o[3] = vadd(vadd(b, vmul(k->eight, e)), m5);
}

// F(4x4)'s A on four values (the filter gradient's output-gradient tile): six.
INLINE void wino4_a(v4 g0, v4 g1, v4 g2, v4 g3, v4 *z, const wino4_consts *k) {
  v4 a = vadd(g0, g2), b = vadd(g1, g3);
  v4 c = vadd(g0, vmul(k->four, g2)), e = vadd(vmul(k->two, g1), vmul(k->eight, g3));
  z[0] = g0;
  z[1] = vadd(a, b);
  z[2] = vsub(a, b);
  z[3] = vadd(c, e);
  z[4] = vsub(c, e);
  z[5] = g3;
}

// F(4x4)'s G on three values (a column, then a row, of a 3x3 kernel): six.
INLINE void wino4_g(v4 g0, v4 g1, v4 g2, v4 *t) {
  v4 s = vadd(g0, g2), q = vadd(vmul(splat(1.0f / 24), g0), vmul(splat(1.0f / 6), g2)), h = vmul(splat(1.0f / 12), g1);
  t[0] = vmul(splat(0.25f), g0);
  t[1] = vmul(splat(-1.0f / 6), vadd(s, g1));
  t[2] = vmul(splat(-1.0f / 6), vsub(s, g1));
  t[3] = vadd(q, h);
  t[4] = vsub(q, h);
  t[5] = g2;
}

// F(4x4)'s G^T on six values: three (the filter gradient's dW = G^T dU G).
INLINE void wino4_gt(const v4 *u, v4 *w) {
  v4 s = vadd(u[1], u[2]), d = vsub(u[1], u[2]), p = vadd(u[3], u[4]), q = vsub(u[3], u[4]);
  w[0] = vadd(vsub(vmul(splat(0.25f), u[0]), vmul(splat(1.0f / 6), s)), vmul(splat(1.0f / 24), p));
  w[1] = vsub(vmul(splat(1.0f / 12), q), vmul(splat(1.0f / 6), d));
  w[2] = vadd(vmul(splat(1.0f / 6), vsub(p, s)), u[5]);
}

// U[xi][c][o] = (G g G^T)[xi] for the 3x3 kernel g of input channel c, output channel o,
// packed as [xi][panel][c][8] (xi < (m+2)^2). With flip, g[ky][kx] = w[2-ky][2-kx][o][c]. Tasks: panels.
// A panel's 8 output channels are computed as two vectors (lane by lane the same
// operations as one channel at a time).
EXPORT(winograd_weights) void winograd_weights(const wino_args *a, int tid) {
  (void)tid;
  int ci = a->ci, co = a->co, np = (co + NR - 1) / NR;
  // source layout [3][3][ci0][co0]: ci0 = flip ? co : ci
  int sci = a->flip ? co : ci, sco = a->flip ? ci : co;
  const v4 half = splat(0.5f);
  for (int p; (p = next_task(a->counter)) < np;) {
    int n0 = p * NR, nr = imin(NR, co - n0);
    for (int c = 0; c < ci; c++) {
      v4 g[3][3][2], t[4][3][2];
      for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
          if (!a->flip && nr == NR) {
            const float *src = a->wsrc + ((ky * 3 + kx) * sci + c) * (long)sco + n0;
            g[ky][kx][0] = ld(src), g[ky][kx][1] = ld(src + 4);
            continue;
          }
          float tmp[NR];
          for (int j = 0; j < NR; j++) {
            int o = n0 + j;
            tmp[j] = o >= co ? 0.0f : a->flip ? a->wsrc[(((2 - ky) * 3 + (2 - kx)) * sci + o) * (long)sco + c] : a->wsrc[((ky * 3 + kx) * sci + c) * (long)sco + o];
          }
          g[ky][kx][0] = ld(tmp), g[ky][kx][1] = ld(tmp + 4);
        }
      if (a->m == 4) {
        for (int h = 0; h < 2; h++) {
          v4 t4[6][3];
          for (int k = 0; k < 3; k++) { // t = G g
            v4 col[6];
            wino4_g(g[0][k][h], g[1][k][h], g[2][k][h], col);
            for (int i = 0; i < 6; i++) t4[i][k] = col[i];
          }
          for (int i = 0; i < 6; i++) { // u = t G^T
            v4 u[6];
            wino4_g(t4[i][0], t4[i][1], t4[i][2], u);
            for (int j = 0; j < 6; j++) st((float *)a->up + (((long)(i * 6 + j) * np + p) * ci + c) * NR + h * 4, u[j]);
          }
        }
        continue;
      }
      for (int h = 0; h < 2; h++) {
        for (int k = 0; k < 3; k++) { // t = G g
          t[0][k][h] = g[0][k][h];
          t[1][k][h] = vmul(half, vadd(vadd(g[0][k][h], g[1][k][h]), g[2][k][h]));
          t[2][k][h] = vmul(half, vadd(vsub(g[0][k][h], g[1][k][h]), g[2][k][h]));
          t[3][k][h] = g[2][k][h];
        }
        for (int i = 0; i < 4; i++) { // u = t G^T
          v4 u[4];
          u[0] = t[i][0][h];
          u[1] = vmul(half, vadd(vadd(t[i][0][h], t[i][1][h]), t[i][2][h]));
          u[2] = vmul(half, vadd(vsub(t[i][0][h], t[i][1][h]), t[i][2][h]));
          u[3] = t[i][2][h];
          for (int j = 0; j < 4; j++) st((float *)a->up + (((long)(i * 4 + j) * np + p) * ci + c) * NR + h * 4, u[j]);
        }
      }
    }
  }
}

// Channels c..c+3 of one pixel (fewer at the tail, zero-filled).
INLINE v4 load_lanes(const float *src, int lanes) {
  if (lanes == 4) return ld(src);
  float tmp[4] = {0, 0, 0, 0};
  for (int l = 0; l < lanes; l++) tmp[l] = src[l];
  return ld(tmp);
}

// Stores channels c..c+3 (fewer at the tail).
INLINE void store_lanes(float *dst, v4 v, int lanes) {
  if (lanes == 4) {
    st(dst, v);
    return;
  }
  float tmp[4];
  st(tmp, v);
  for (int l = 0; l < lanes; l++) dst[l] = tmp[l];
}

// The Winograd input transform of one (m+2)x(m+2) tile (top-left pixel y0, x0; outside the
// image is 0) for channels c..c+3 (fewer at the tail): plane k = (m+2)i + j of V (planes
// `plane` floats apart) gets (B^T d B)[i][j]. The forward pass and the filter gradient
// share it, so both see the same bits.
INLINE void winograd_input_tile(const float *x, int n, int h, int w, int ci, int y0, int x0, int c, float *V, long plane, int m, const wino4_consts *k) {
  int lanes = imin(4, ci - c), al = m + 2;
  v4 d[6][6];
  for (int i = 0; i < al; i++)
    for (int j = 0; j < al; j++) {
      int yy = y0 + i, xx = x0 + j;
      d[i][j] = yy < 0 || yy >= h || xx < 0 || xx >= w ? splat(0) : load_lanes(x + (((long)n * h + yy) * w + xx) * ci + c, lanes);
    }
  if (m == 4) {
    v4 tt[6][6];
    for (int j = 0; j < 6; j++) { // B^T d
      v4 r[6];
      wino4_bt(d[0][j], d[1][j], d[2][j], d[3][j], d[4][j], d[5][j], r, k);
      for (int i = 0; i < 6; i++) tt[i][j] = r[i];
    }
    for (int i = 0; i < 6; i++) { // (B^T d) B
      v4 vs[6];
      wino4_bt(tt[i][0], tt[i][1], tt[i][2], tt[i][3], tt[i][4], tt[i][5], vs, k);
      for (int xj = 0; xj < 6; xj++) store_lanes(V + (long)(i * 6 + xj) * plane + c, vs[xj], lanes);
    }
    return;
  }
  v4 tt[4][4];
  for (int j = 0; j < 4; j++) { // B^T d
    tt[0][j] = vsub(d[0][j], d[2][j]);
    tt[1][j] = vadd(d[1][j], d[2][j]);
    tt[2][j] = vsub(d[2][j], d[1][j]);
    tt[3][j] = vsub(d[1][j], d[3][j]);
  }
  for (int i = 0; i < 4; i++) { // (B^T d) B
    v4 vs[4] = {vsub(tt[i][0], tt[i][2]), vadd(tt[i][1], tt[i][2]), vsub(tt[i][2], tt[i][1]), vsub(tt[i][1], tt[i][3])};
    for (int xj = 0; xj < 4; xj++) store_lanes(V + (long)(i * 4 + xj) * plane + c, vs[xj], lanes);
  }
}

// The npos GEMMs of a block of nt tiles: M[xi][r][:] = V[xi][r][:] . U[xi].
INLINE void winograd_gemms(const float *V, const float *up, float *M, int npos, int tb, int nt, int ci, int np, int cop) {
  const float *bt[1];
  for (int xi = 0; xi < npos; xi++) {
    const float *vx = V + (long)xi * tb * ci;
    for (int p = 0; p < np; p++) {
      bt[0] = up + ((long)xi * np + p) * ci * NR;
      for (int r0 = 0; r0 < nt; r0 += MR) {
        int mr = imin(MR, nt - r0);
        const float *rowp[MR];
        const float *const *rows[MR];
        for (int i = 0; i < MR; i++) {
          rowp[i] = vx + (long)(r0 + imin(i, mr - 1)) * ci;
          rows[i] = &rowp[i];
        }
        tile o;
        igemm_tile(&o, 1, ci, rows, bt);
        for (int i = 0; i < mr; i++) {
          float *dst = M + ((long)xi * tb + r0 + i) * cop + p * NR;
          st(dst, o.c[i][0]);
          st(dst + 4, o.c[i][1]);
        }
      }
    }
  }
}

// One tile-block: input transform, (m+2)^2 GEMMs, output transform (+ epilogue).
EXPORT(conv3x3_winograd) void conv3x3_winograd(const wino_args *a, int tid) {
  const exp_consts k = exp_consts_make();
  const wino4_consts k4 = wino4_consts_make();
  int h = a->h, w = a->w, ci = a->ci, co = a->co, tb = a->tb, m = a->m, al = m + 2, npos = al * al;
  int th = (h + m - 1) / m, tw = (w + m - 1) / m, T = a->n * th * tw;
  int np = (co + NR - 1) / NR, cop = np * NR;                      // M rows padded to whole panels
  float *V = (float *)(a->scratch + (long)tid * a->scratch_bytes); // [npos][tb][ci]
  float *M = V + npos * tb * ci;                                    // [npos][tb][cop]
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int t0 = task * tb, nt = imin(tb, T - t0);
    // Input transform, 4 channels at a time (the tail zero-padded on the fly).
    for (int r = 0; r < nt; r++) {
      int t = t0 + r, tx = t % tw, q = t / tw, ty = q % th, n = q / th;
      int y0 = m * ty - 1, x0 = m * tx - 1;
      for (int c = 0; c < ci; c += 4) winograd_input_tile(a->x, n, h, w, ci, y0, x0, c, V + (long)r * ci, (long)tb * ci, m, &k4);
    }
    winograd_gemms(V, a->up, M, npos, tb, nt, ci, np, cop);
    // Output transform Y = A^T M A with the epilogue, 8 output channels (two vectors) at a time.
    for (int r = 0; r < nt; r++) {
      int t = t0 + r, tx = t % tw, q = t / tw, ty = q % th, n = q / th;
      for (int p = 0; p < np; p++) {
        int n0 = p * NR, nr = imin(NR, co - n0);
        panel_epi e = make_epi(a->epi, a->bias, a->scale, a->shift, n0, nr);
        v4 out[2][4][4]; // [half][i][j]
        for (int half = 0; half < 2; half++) {
          const float *mp = M + (long)r * cop + n0 + half * 4;
          v4 mm[36];
          for (int xi = 0; xi < npos; xi++) mm[xi] = ld(mp + (long)xi * tb * cop);
          if (m == 4) {
            v4 s[4][6];
            for (int j = 0; j < 6; j++) { // A^T m: columns
              v4 o4[4];
              wino4_at(mm[j], mm[6 + j], mm[12 + j], mm[18 + j], mm[24 + j], mm[30 + j], o4, &k4);
              for (int i = 0; i < 4; i++) s[i][j] = o4[i];
            }
            for (int i = 0; i < 4; i++) // (A^T m) A: rows
              wino4_at(s[i][0], s[i][1], s[i][2], s[i][3], s[i][4], s[i][5], out[half][i], &k4);
            continue;
          }
          for (int i = 0; i < 2; i++) {
            v4 s0, s1, s2, s3; // row i of A^T m
            if (i == 0) s0 = vadd(vadd(mm[0], mm[4]), mm[8]), s1 = vadd(vadd(mm[1], mm[5]), mm[9]), s2 = vadd(vadd(mm[2], mm[6]), mm[10]), s3 = vadd(vadd(mm[3], mm[7]), mm[11]);
            else s0 = vsub(vsub(mm[4], mm[8]), mm[12]), s1 = vsub(vsub(mm[5], mm[9]), mm[13]), s2 = vsub(vsub(mm[6], mm[10]), mm[14]), s3 = vsub(vsub(mm[7], mm[11]), mm[15]);
            out[half][i][0] = vadd(vadd(s0, s1), s2);
            out[half][i][1] = vsub(vsub(s1, s2), s3);
          }
        }
        for (int i = 0; i < m; i++)
          for (int j = 0; j < m; j++) {
            int yy = m * ty + i, xx = m * tx + j;
            if (yy >= h || xx >= w) continue;
            epilogue_row(a->epi, &e, &k, a->y + (((long)n * h + yy) * w + xx) * co + n0, out[0][i][j], out[1][i][j], nr);
          }
      }
    }
  }
}

// Per-chunk batch statistics of y's rows (after a convolution that did not compute them):
// stats[task] = (co means, co M2), as conv_forward writes them. Tasks: chunks of rows.
typedef struct {
  int32_t *counter; // 0
  int ntasks;       // 1
  int chunk;        // 2
  int rows;         // 3
  int co;           // 4
  const float *y;   // 5
  float *stats;     // 6
} stats_args;

EXPORT(conv_stats) void conv_stats(const stats_args *a, int tid) {
  (void)tid;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int m0 = task * a->chunk, m1 = imin(a->rows, m0 + a->chunk);
    float *mean = a->stats + (long)task * 2 * a->co;
    chunk_stats(a->y + (long)m0 * a->co, m1 - m0, a->co, mean, mean + a->co);
  }
}

// Winograd filter gradient for the same convolutions: dU[xi][c][o] = sum over the tiles of
// V[xi][tile][c] * Z[xi][tile][o], with V = B^T d B (input patches, as the forward) and
// Z = A dY A^T (the m x m output-gradient tiles); then dW = G^T dU G (winograd_filter_out).
// Tasks: chunks of tiles, each summing into its own partial dU (tiles in order); blocks of
// tb tiles are transformed into the thread's scratch.
typedef struct {
  int32_t *counter;   // 0
  int ntasks;         // 1
  int chunk;          // 2 tiles per task
  int tb;             // 3 tiles per block (a multiple of MR)
  const float *x;     // 4 forward input [n][h][w][ci]
  const float *dy;    // 5 output gradient [n][h][w][co]
  float *partial;     // 6 [task][npos][ci][cop]; winograd_filter_out: the summed dU [npos][ci][cop]
  char *scratch;      // 7
  int scratch_bytes;  // 8
  int n, h, w, ci, co; // 9..13
  float *dw;          // 14 winograd_filter_out: HWIO [3][3][ci][co]
  int m;              // 15 output tile: 2 or 4
} wino_grad_args;

// Z = A dY A^T of one tile's output gradient (pixels from y0, x0; past the image or past
// co is 0), channels c..c+3: plane k of Z (planes `plane` floats apart) gets Z[k].
INLINE void winograd_grad_tile(const float *dy, int n, int h, int w, int co, int y0, int x0, int c, float *Z, long plane, int m, const wino4_consts *k) {
  v4 g[4][4];
  for (int i = 0; i < m; i++)
    for (int j = 0; j < m; j++) {
      int yy = y0 + i, xx = x0 + j;
      g[i][j] = yy >= h || xx >= w || c >= co ? splat(0) : load_lanes(dy + (((long)n * h + yy) * w + xx) * co + c, imin(4, co - c));
    }
  if (m == 4) {
    v4 z[6][4];
    for (int j = 0; j < 4; j++) { // A dY: columns
      v4 col[6];
      wino4_a(g[0][j], g[1][j], g[2][j], g[3][j], col, k);
      for (int i = 0; i < 6; i++) z[i][j] = col[i];
    }
    for (int i = 0; i < 6; i++) { // (A dY) A^T: rows
      v4 zs[6];
      wino4_a(z[i][0], z[i][1], z[i][2], z[i][3], zs, k);
      for (int xj = 0; xj < 6; xj++) st(Z + (long)(i * 6 + xj) * plane + c, zs[xj]);
    }
    return;
  }
  v4 z[4][2]; // A dY: rows
  for (int j = 0; j < 2; j++) {
    z[0][j] = g[0][j];
    z[1][j] = vadd(g[0][j], g[1][j]);
    z[2][j] = vsub(g[0][j], g[1][j]);
    z[3][j] = wasm_f32x4_neg(g[1][j]);
  }
  for (int i = 0; i < 4; i++) { // (A dY) A^T: columns
    v4 zs[4] = {z[i][0], vadd(z[i][0], z[i][1]), vsub(z[i][0], z[i][1]), wasm_f32x4_neg(z[i][1])};
    for (int xj = 0; xj < 4; xj++) st(Z + (long)(i * 4 + xj) * plane + c, zs[xj]);
  }
}

EXPORT(winograd_filter_grad) void winograd_filter_grad(const wino_grad_args *a, int tid) {
  const wino4_consts k4 = wino4_consts_make();
  int h = a->h, w = a->w, ci = a->ci, co = a->co, tb = a->tb, m = a->m, npos = (m + 2) * (m + 2);
  int th = (h + m - 1) / m, tw = (w + m - 1) / m, T = a->n * th * tw;
  int np = (co + NR - 1) / NR, cop = np * NR;
  float *V = (float *)(a->scratch + (long)tid * a->scratch_bytes); // [npos][tb][ci]
  float *Z = V + npos * tb * ci;                                    // [npos][tb][cop]
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    int c0 = task * a->chunk, c1 = imin(T, c0 + a->chunk);
    float *dst = a->partial + (long)task * npos * ci * cop;
    for (int b0 = c0; b0 < c1; b0 += tb) {
      int nt = imin(tb, c1 - b0), first = b0 == c0;
      for (int r = 0; r < nt; r++) {
        int t = b0 + r, tx = t % tw, q = t / tw, ty = q % th, n = q / th;
        int y0 = m * ty - 1, x0 = m * tx - 1;
        for (int c = 0; c < ci; c += 4) // V = B^T d B
          winograd_input_tile(a->x, n, h, w, ci, y0, x0, c, V + (long)r * ci, (long)tb * ci, m, &k4);
        for (int c = 0; c < cop; c += 4) // Z = A dY A^T, zero past co
          winograd_grad_tile(a->dy, n, h, w, co, m * ty, m * tx, c, Z + (long)r * cop, (long)tb * cop, m, &k4);
      }
      // dU[xi][k0..k0+4][panel] += sum over the block's tiles of V[xi][r][k] * Z[xi][r][panel]
      for (int xi = 0; xi < npos; xi++) {
        const float *vx = V + (long)xi * tb * ci, *zx = Z + (long)xi * tb * cop;
        for (int p = 0; p < np; p++) {
          for (int k0 = 0; k0 < ci; k0 += MR) {
            int kr = imin(MR, ci - k0);
#define OFF(i) int o##i = k0 + imin(i, kr - 1);
            FOR_ROWS(OFF)
#undef OFF
            float *d = dst + ((long)xi * ci + k0) * cop + p * NR;
#define INIT(i) v4 c##i##0 = first ? splat(0) : ld(d + i * cop), c##i##1 = first ? splat(0) : ld(d + i * cop + 4);
            FOR_ROWS(INIT)
#undef INIT
            const float *zb = zx + p * NR;
            for (int r = 0; r < nt; r++) {
              const float *px = vx + (long)r * ci;
              v4 b0 = ld(zb), b1 = ld(zb + 4);
              zb += cop;
#define FMA(i)                                                                                                         \
  {                                                                                                                    \
    v4 xv = ldsplat(px + o##i);                                                                                        \
    c##i##0 = vmadd(xv, b0, c##i##0);                                                                                  \
    c##i##1 = vmadd(xv, b1, c##i##1);                                                                                  \
  }
              FOR_ROWS(FMA)
#undef FMA
            }
#define STORE(i)                                                                                                       \
  if (i < kr) st(d + i * cop, c##i##0), st(d + i * cop + 4, c##i##1);
            FOR_ROWS(STORE)
#undef STORE
          }
        }
      }
    }
  }
}

// dW[ky][kx][c][o] = (G^T dU[.][c][o] G)[ky][kx] from the summed dU. Tasks: input channels.
EXPORT(winograd_filter_out) void winograd_filter_out(const wino_grad_args *a, int tid) {
  (void)tid;
  int ci = a->ci, co = a->co, cop = (co + NR - 1) / NR * NR, m = a->m, al = m + 2;
  for (int c; (c = next_task(a->counter)) < ci;) {
    if (m == 4) { // four output channels at a time (dU's rows are padded to cop)
      for (int o = 0; o < co; o += 4) {
        v4 u[6][6], t[3][6];
        for (int xi = 0; xi < 36; xi++) u[xi / 6][xi % 6] = ld(a->partial + ((long)xi * ci + c) * cop + o);
        for (int j = 0; j < 6; j++) { // G^T u: columns
          v4 col[6] = {u[0][j], u[1][j], u[2][j], u[3][j], u[4][j], u[5][j]}, r[3];
          wino4_gt(col, r);
          for (int i = 0; i < 3; i++) t[i][j] = r[i];
        }
        for (int i = 0; i < 3; i++) { // (G^T u) G: rows
          v4 r[3];
          wino4_gt(t[i], r);
          for (int j = 0; j < 3; j++) store_lanes(a->dw + ((long)(i * 3 + j) * ci + c) * co + o, r[j], imin(4, co - o));
        }
      }
      continue;
    }
    for (int o = 0; o < co; o++) {
      float u[4][4], t[3][4];
      for (int xi = 0; xi < al * al; xi++) u[xi / al][xi % al] = a->partial[((long)xi * ci + c) * cop + o];
      for (int j = 0; j < 4; j++) { // G^T u: rows
        t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
        t[1][j] = 0.5f * (u[1][j] - u[2][j]);
        t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
      }
      for (int i = 0; i < 3; i++) { // (G^T u) G: columns
        a->dw[((i * 3 + 0) * ci + c) * co + o] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
        a->dw[((i * 3 + 1) * ci + c) * co + o] = 0.5f * (t[i][1] - t[i][2]);
        a->dw[((i * 3 + 2) * ci + c) * co + o] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// The optimizer: PyTorch's SGD (momentum, Nesterov, weight decay) over every parameter in
// one call, and the gradients' sums of squares for clip_grad. Each value is rounded to
// float32 after every operation, in the order tfjs's ops computed them before (optim.ts),
// so the fused step gives the same bits as the per-parameter ops.

typedef struct {
  int32_t *counter;       // 0
  int ntasks;             // 1
  const int32_t *tasks;   // 2 [ntasks][3]: tensor, first element, end
  const int32_t *tensors; // 3 [tensor][6]: param in, param out, grad, buf in, buf out, group
  const float *groups;    // 4 [group][3]: lr, momentum, weight decay
  int first;              // 5 the first step: buf = grad
  int nesterov;           // 6
  const float *scale;     // 7 the gradients' scale (clip_grad), or 0 for none
} sgd_args;

#define SGD_ELEMENT(LD, ST, SPLAT, ADD, MUL, SUB, I)                                                                  \
  {                                                                                                                    \
    __typeof__(LD(g + I)) gv = LD(g + I), pv = LD(pin + I), nb;                                                       \
    if (scale) gv = MUL(gv, SPLAT(*scale));                                                                            \
    if (wd != 0) gv = ADD(gv, MUL(pv, SPLAT(wd)));                                                                     \
    nb = a->first ? gv : ADD(MUL(LD(bin + I), SPLAT(mom)), gv);                                                        \
    ST(bout + I, nb);                                                                                                  \
    __typeof__(nb) step = a->nesterov ? ADD(gv, MUL(nb, SPLAT(mom))) : nb;                                             \
    ST(pout + I, SUB(pv, MUL(step, SPLAT(lr))));                                                                       \
  }

INLINE float sld(const float *p) { return *p; }
INLINE void sst(float *p, float x) { *p = x; }
INLINE float ssplat(float x) { return x; }
INLINE float sadd(float a, float b) { return a + b; }
INLINE float smul(float a, float b) { return a * b; }
INLINE float ssub(float a, float b) { return a - b; }

EXPORT(sgd_step) void sgd_step(const sgd_args *a, int tid) {
  (void)tid;
  const float *scale = a->scale;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    const int32_t *t = a->tasks + 3 * task;
    const int32_t *d = a->tensors + 6 * t[0];
    const float *pin = (const float *)(intptr_t)d[0], *g = (const float *)(intptr_t)d[2], *bin = (const float *)(intptr_t)d[3];
    float *pout = (float *)(intptr_t)d[1], *bout = (float *)(intptr_t)d[4];
    const float *gc = a->groups + 3 * d[5];
    float lr = gc[0], mom = gc[1], wd = gc[2];
    int i = t[1], end = t[2];
    for (; i + 4 <= end; i += 4) SGD_ELEMENT(ld, st, splat, vadd, vmul, vsub, i)
    for (; i < end; i++) SGD_ELEMENT(sld, sst, ssplat, sadd, smul, ssub, i)
  }
}

typedef struct {
  int32_t *counter;       // 0
  int ntasks;             // 1 tensors
  const int32_t *tensors; // 2 [tensor][2]: data, elements
  float *out;             // 3 [tensor] sum of squares
} sum_squares_args;

// One task per tensor, summed element by element in order (as tfjs's Square + Sum).
EXPORT(sum_squares) void sum_squares(const sum_squares_args *a, int tid) {
  (void)tid;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    const float *x = (const float *)(intptr_t)a->tensors[2 * task];
    int n = a->tensors[2 * task + 1];
    float s = 0;
    for (int i = 0; i < n; i++) s += x[i] * x[i];
    a->out[task] = s;
  }
}

// ExpMomentumEMA's update of every averaged tensor in one call: avg += (src - avg) * m, each
// operation rounded to float32 in the order of ema.ts's tfjs ops.
typedef struct {
  int32_t *counter;       // 0
  int ntasks;             // 1
  const int32_t *tasks;   // 2 [ntasks][3]: tensor, first element, end
  const int32_t *tensors; // 3 [tensor][3]: source, average in, average out
  const float *m;         // 4 the momentum
} ema_args;

EXPORT(ema_update) void ema_update(const ema_args *a, int tid) {
  (void)tid;
  float m = *a->m;
  for (int task; (task = next_task(a->counter)) < a->ntasks;) {
    const int32_t *t = a->tasks + 3 * task;
    const int32_t *d = a->tensors + 3 * t[0];
    const float *src = (const float *)(intptr_t)d[0], *avg = (const float *)(intptr_t)d[1];
    float *out = (float *)(intptr_t)d[2];
    int i = t[1], end = t[2];
    for (; i + 4 <= end; i += 4) {
      v4 s = ld(avg + i);
      st(out + i, vadd(s, vmul(vsub(ld(src + i), s), splat(m))));
    }
    for (; i < end; i++) out[i] = avg[i] + (src[i] - avg[i]) * m;
  }
}
