import { describe, expect, it } from 'vitest';
import { goldenSectionMin, nelderMead } from './optimize.ts';

describe('optimizers', () => {
  it('golden section finds the minimum of a parabola', () => {
    const r = goldenSectionMin((x) => (x - 1.3) ** 2 + 2, -5, 5, 1e-10);
    expect(r.x).toBeCloseTo(1.3, 7); // f is flat to ε near the minimum: x only to ~√ε
    expect(r.fx).toBeCloseTo(2, 14);
  });

  it('Nelder–Mead finds the Rosenbrock minimum (1, 1)', () => {
    const rosen = (x: readonly number[]): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], { maxIterations: 5000, xTol: 1e-10, fTol: 1e-14 });
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
  });

  it('Nelder–Mead treats non-finite values as +∞ (a constraint)', () => {
    const f = (x: readonly number[]): number =>
      x[0]! < 0 ? Number.NaN : (x[0]! - 2) ** 2 + (x[1]! + 1) ** 2;
    const r = nelderMead(f, [1, 1]);
    expect(r.x[0]).toBeCloseTo(2, 6);
    expect(r.x[1]).toBeCloseTo(-1, 6);
  });
});
