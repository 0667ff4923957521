import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { black76, black76Price } from './black76.ts';
import { IMPLIED_VOL_MAX, IMPLIED_VOL_MIN, type ImpliedVolInput, impliedVol } from './implied-vol.ts';

const SEED = 20_261_126;

describe('impliedVol: round trips', () => {
  it('recovers the vol of Black-76 prices across moneyness, maturities, vols and rates (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('call' as const, 'put' as const),
        fc.double({ min: 1, max: 1e5, noNaN: true }), // forward
        fc.double({ min: -1.5, max: 1.5, noNaN: true }), // ln(K/F)
        fc.double({ min: 1 / 365, max: 5, noNaN: true }), // T
        fc.double({ min: 0.01, max: 4, noNaN: true }), // σ
        fc.double({ min: -0.02, max: 0.15, noNaN: true }), // r
        (right, forward, logMoneyness, timeYears, volAnnual, rate) => {
          const strike = forward * Math.exp(logMoneyness);
          const discount = Math.exp(-rate * timeYears);
          const price = black76Price(right, forward, strike, timeYears, volAnnual, discount);
          const result = impliedVol({ right, forward, strike, timeYears, price, discount });
          const scale = discount * Math.max(forward, strike);
          const vega = black76({ right, forward, strike, timeYears, volAnnual, rate }).vega;
          if (result.ok) {
            // Always: the returned vol reprices within the tolerance (1e-12 × D·max(F, K)), allowing
            // for the rounding of the price itself.
            const back = black76Price(right, forward, strike, timeYears, result.value.volAnnual, discount);
            expect(Math.abs(back - price)).toBeLessThanOrEqual(2e-12 * scale);
            expect(result.value.iterations).toBeLessThanOrEqual(100);
          }
          // Where the price pins the vol (vega ≥ 1e-5 of the scale, so a 1e-12 price error is a
          // ≤ 1e-7 vol error), the solver must succeed and find it.
          if (vega >= 1e-5 * scale) {
            expect(
              result.ok,
              JSON.stringify({ right, forward, strike, timeYears, volAnnual, rate, result }),
            ).toBe(true);
            if (result.ok) expect(Math.abs(result.value.volAnnual - volAnnual)).toBeLessThanOrEqual(2e-7);
          } else if (!result.ok) {
            // Otherwise only "the price carries no usable time value" is an acceptable refusal.
            expect(result.error.reason).toBe('no-time-value');
          }
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('converges in a few Newton steps on ordinary inputs', () => {
    // Haug's Black-76 example: F = K = 19, T = 0.75, r = 10 %, price 1.7011 ↔ σ ≈ 0.28.
    const D = Math.exp(-0.1 * 0.75);
    const price = black76Price('call', 19, 19, 0.75, 0.28, D);
    const r = impliedVol({ right: 'call', forward: 19, strike: 19, timeYears: 0.75, price, discount: D });
    expect(r.ok && r.value.volAnnual).toBeCloseTo(0.28, 12);
    expect(r.ok && r.value.iterations).toBeLessThanOrEqual(6);
    // Haug's rounded 4-decimal price gives a vol within 1e-4 / vega = 1e-4 / 4.02 of 0.28.
    const rounded = impliedVol({
      right: 'put',
      forward: 19,
      strike: 19,
      timeYears: 0.75,
      price: 1.7011,
      discount: D,
    });
    expect(rounded.ok && Math.abs(rounded.value.volAnnual - 0.28)).toBeLessThan(3e-5);
  });

  it('solves deep in-the-money prices through their time value', () => {
    // Call F = 100, K = 40, σ = 0.5, T = 1: price ≈ 60 + a time value of ~0.0457.
    const price = black76Price('call', 100, 40, 1, 0.5);
    const r = impliedVol({ right: 'call', forward: 100, strike: 40, timeYears: 1, price });
    expect(r.ok && r.value.volAnnual).toBeCloseTo(0.5, 9);
  });

  it('always terminates with a solution or a known reason, for any numbers (property)', () => {
    const reasons = new Set(['below-intrinsic', 'above-max', 'no-time-value', 'not-converged', 'bad-input']);
    const num = fc.oneof(
      fc.double(),
      fc.double({ min: 0, max: 200, noNaN: true }),
      fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('call' as const, 'put' as const),
        num,
        num,
        num,
        num,
        fc.option(num, { nil: undefined }),
        (right, forward, strike, timeYears, price, discount) => {
          const input: ImpliedVolInput = {
            right,
            forward,
            strike,
            timeYears,
            price,
            ...(discount === undefined ? {} : { discount }),
          };
          const r = impliedVol(input);
          if (r.ok) {
            expect(r.value.volAnnual).toBeGreaterThanOrEqual(IMPLIED_VOL_MIN);
            expect(r.value.volAnnual).toBeLessThanOrEqual(IMPLIED_VOL_MAX);
          } else {
            expect(reasons.has(r.error.reason)).toBe(true);
            expect(r.error.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

describe('impliedVol: failures say why', () => {
  const base = { right: 'call', forward: 100, strike: 90, timeYears: 1 } as const;
  const reason = (patch: Partial<ImpliedVolInput>) => {
    const r = impliedVol({ ...base, price: 15, ...patch });
    return r.ok ? 'ok' : r.error.reason;
  };

  it('bad-input: non-finite numbers, non-positive forward/strike/discount, negative time, bad budget', () => {
    expect(reason({ forward: 0 })).toBe('bad-input');
    expect(reason({ strike: -5 })).toBe('bad-input');
    expect(reason({ timeYears: -1 })).toBe('bad-input');
    expect(reason({ price: Number.NaN })).toBe('bad-input');
    expect(reason({ discount: 0 })).toBe('bad-input');
    expect(reason({ discount: Number.POSITIVE_INFINITY })).toBe('bad-input');
    expect(reason({ priceTolerance: 0 })).toBe('bad-input');
    expect(reason({ maxIterations: 0 })).toBe('bad-input');
    expect(reason({ maxIterations: 2.5 })).toBe('bad-input');
  });

  it('below-intrinsic: a call worth less than D·(F − K), or a negative price', () => {
    expect(reason({ price: 9.99 })).toBe('below-intrinsic');
    expect(reason({ price: 9.8, discount: 0.99 })).toBe('below-intrinsic'); // D·10 = 9.9
    expect(reason({ strike: 120, price: -0.01 })).toBe('below-intrinsic');
  });

  it('above-max: at the no-arbitrage bound D·F (call) or D·K (put), or beyond vol 10', () => {
    expect(reason({ price: 100 })).toBe('above-max');
    expect(reason({ right: 'put', price: 90 })).toBe('above-max');
    expect(reason({ price: 99.5, discount: 0.99 })).toBe('above-max'); // D·F = 99
    // At σ = 10, T = 1 the call is worth 100·N(5 + ln(100/90)/10) − 90·N(−5 + …) ≈ 99.99996:
    // a price between that and 100 needs a vol above the bracket.
    const r = impliedVol({ ...base, price: 99.999999 });
    expect(!r.ok && r.error.reason).toBe('above-max');
    expect(!r.ok && r.error.message).toMatch(/top of the bracket/);
  });

  it('no-time-value: price = intrinsic, an expired option, or time value below vol 1e-6', () => {
    expect(reason({ price: 10 })).toBe('no-time-value'); // exactly intrinsic
    expect(reason({ price: 12, timeYears: 0 })).toBe('no-time-value');
    // At the money, σ = 1e-6 is worth 100·φ(0)·1e-6 ≈ 4e-5: a time value of 1e-6 needs σ ≈ 2.5e-8.
    const r = impliedVol({ ...base, strike: 100, price: 1e-6 });
    expect(!r.ok && r.error.reason).toBe('no-time-value');
    expect(!r.ok && r.error.message).toMatch(/below the bracket/);
    expect(reason({ strike: 200, price: 0 })).toBe('no-time-value'); // worthless out of the money
  });

  it('not-converged: the iteration budget runs out, with the state in the message', () => {
    const r = impliedVol({ ...base, price: 15, maxIterations: 1 });
    expect(!r.ok && r.error.reason).toBe('not-converged');
    expect(!r.ok && r.error.message).toMatch(/no convergence in 1 iterations: last vol/);
  });
});
