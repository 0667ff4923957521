/**
 * Small derivative-free optimizers for the ML fits (Student-t ν, GARCH(1,1)). Deterministic:
 * no randomness, fixed iteration caps.
 */

const INV_PHI = (Math.sqrt(5) - 1) / 2; // 1/φ ≈ 0.618

/**
 * Golden-section search for the minimum of a unimodal f on [a, b] (Kiefer 1953); stops when the
 * bracket is narrower than `tol`. Returns the best point evaluated and its value.
 */
export function goldenSectionMin(
  f: (x: number) => number,
  a: number,
  b: number,
  tol = 1e-8,
  maxIterations = 200,
): { x: number; fx: number } {
  let lo = a;
  let hi = b;
  let x1 = hi - INV_PHI * (hi - lo);
  let x2 = lo + INV_PHI * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < maxIterations && hi - lo > tol; i++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - INV_PHI * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + INV_PHI * (hi - lo);
      f2 = f(x2);
    }
  }
  return f1 <= f2 ? { x: x1, fx: f1 } : { x: x2, fx: f2 };
}

export interface NelderMeadOptions {
  /** Initial simplex: x0 plus `step` along each axis. Default 0.5. */
  readonly step?: number;
  /** Stop when the simplex's values and coordinates span less than these. Defaults 1e-10, 1e-8. */
  readonly fTol?: number;
  readonly xTol?: number;
  readonly maxIterations?: number;
}

/**
 * Nelder–Mead simplex minimization of f: ℝⁿ → ℝ with the standard coefficients (reflection 1,
 * expansion 2, contraction ½, shrink ½; Lagarias et al., SIAM J. Optim. 9, 1998). Non-finite
 * values count as +∞, so a constraint can be expressed by returning Infinity. Returns the best
 * vertex, its value and the iterations used.
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): { x: number[]; fx: number; iterations: number } {
  const n = x0.length;
  const step = options.step ?? 0.5;
  const fTol = options.fTol ?? 1e-10;
  const xTol = options.xTol ?? 1e-8;
  const maxIterations = options.maxIterations ?? 200 * n;
  const value = (x: readonly number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const simplex: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const x = x0.slice();
    x[i] = x[i]! + step;
    simplex.push(x);
  }
  const values = simplex.map(value);
  const order = (): void => {
    const idx = simplex.map((_, i) => i).sort((i, j) => values[i]! - values[j]! || i - j);
    const s = idx.map((i) => simplex[i]!);
    const v = idx.map((i) => values[i]!);
    for (let i = 0; i <= n; i++) {
      simplex[i] = s[i]!;
      values[i] = v[i]!;
    }
  };
  const along = (c: readonly number[], worst: readonly number[], t: number): number[] =>
    c.map((ci, j) => ci + t * (ci - worst[j]!));
  let iterations = 0;
  order();
  for (; iterations < maxIterations; iterations++) {
    const fSpan = Math.abs(values[n]! - values[0]!);
    let xSpan = 0;
    for (let i = 1; i <= n; i++) {
      for (let j = 0; j < n; j++) xSpan = Math.max(xSpan, Math.abs(simplex[i]![j]! - simplex[0]![j]!));
    }
    if (fSpan <= fTol * (Math.abs(values[0]!) + fTol) && xSpan <= xTol) break;
    // Centroid of all but the worst vertex.
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j] = c[j]! + simplex[i]![j]! / n;
    const worst = simplex[n]!;
    const xr = along(c, worst, 1);
    const fr = value(xr);
    if (fr < values[0]!) {
      const xe = along(c, worst, 2);
      const fe = value(xe);
      if (fe < fr) {
        simplex[n] = xe;
        values[n] = fe;
      } else {
        simplex[n] = xr;
        values[n] = fr;
      }
    } else if (fr < values[n - 1]!) {
      simplex[n] = xr;
      values[n] = fr;
    } else {
      // Outside contraction when the reflection beat the worst vertex, inside otherwise.
      const outside = fr < values[n]!;
      const xc = along(c, worst, outside ? 0.5 : -0.5);
      const fc = value(xc);
      if (fc < (outside ? fr : values[n]!)) {
        simplex[n] = xc;
        values[n] = fc;
      } else {
        const best = simplex[0]!;
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i]!.map((xj, j) => best[j]! + 0.5 * (xj - best[j]!));
          values[i] = value(simplex[i]!);
        }
      }
    }
    order();
  }
  return { x: simplex[0]!.slice(), fx: values[0]!, iterations };
}
