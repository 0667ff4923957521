import { describe, expect, it } from 'vitest';
import { BackstopError } from '../core/errors.ts';
import type { OptionRight } from '../domain/instrument.ts';
import { type Black76Input, black76, black76Inverse, black76Price, type Greeks } from './black76.ts';

const RIGHTS: readonly OptionRight[] = ['call', 'put'];
const FORWARD = 100;
const STRIKES = [80, 100, 125];
const TIMES = [0.1, 1, 3];
const VOLS = [0.2, 0.8];
const RATES = [0, 0.05];

function* grid(): Generator<Black76Input> {
  for (const right of RIGHTS)
    for (const strike of STRIKES)
      for (const timeYears of TIMES)
        for (const volAnnual of VOLS)
          for (const rate of RATES) yield { right, forward: FORWARD, strike, timeYears, volAnnual, rate };
}

/** Central difference of a price function. */
const central = (f: (x: number) => number, x: number, h: number) => (f(x + h) - f(x - h)) / (2 * h);

/** |fd − analytic| ≤ 1e-6 × |analytic|, with a floor of 1e-10 (quote units) for greeks near 0. */
function expectClose(fd: number, analytic: number, label: string): void {
  const tol = 1e-6 * Math.max(Math.abs(analytic), 1e-10 * FORWARD);
  expect(Math.abs(fd - analytic), `${label}: fd ${fd} vs analytic ${analytic}`).toBeLessThanOrEqual(tol);
}

/** Every greek of `price` against central finite differences of the price (gamma: of delta). */
function checkGreeksByFiniteDifferences(
  input: Black76Input,
  greeks: (i: Black76Input) => Greeks,
  label: string,
): void {
  const g = greeks(input);
  const at = (patch: Partial<Black76Input>) => greeks({ ...input, ...patch });
  const F = input.forward;
  const T = input.timeYears;
  const tag = `${label} ${JSON.stringify(input)}`;
  // Steps scale with the price's natural scale in F, F·σ√T, so deep in/out-of-the-money cases
  // keep the truncation error (∝ step²) far below 1e-6 relative.
  const hF = 1e-4 * F * input.volAnnual * Math.sqrt(T);
  expectClose(
    central((x) => at({ forward: x }).price, F, hF),
    g.delta,
    `delta ${tag}`,
  );
  expectClose(
    central((x) => at({ forward: x }).delta, F, hF),
    g.gamma,
    `gamma ${tag}`,
  );
  expectClose(
    central((x) => at({ volAnnual: x }).price, input.volAnnual, 1e-5),
    g.vega,
    `vega ${tag}`,
  );
  // theta is −∂V/∂T per year
  expectClose(-central((x) => at({ timeYears: x }).price, T, 1e-5 * T), g.theta, `theta ${tag}`);
  expectClose(
    central((x) => at({ rate: x }).price, input.rate ?? 0, 1e-5),
    g.rho,
    `rho ${tag}`,
  );
}

describe('black76 (linear)', () => {
  it("matches Haug's Black-76 futures option (1998 p. 2-8, QuantLib test suite): 1.7011 call and put", () => {
    // F = 19, K = 19, T = 0.75, σ = 0.28, r = 0.10: at the money, so call = put.
    for (const right of RIGHTS) {
      const g = black76({ right, forward: 19, strike: 19, timeYears: 0.75, volAnnual: 0.28, rate: 0.1 });
      expect(Math.abs(g.price - 1.7011)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('matches a hand calculation at the money', () => {
    // F = K = 100, T = 1, σ = 0.2, r = 0: d1 = 0.1, d2 = −0.1, N(0.1) = 0.539827837277029 (R pnorm),
    // price = 100·(N(0.1) − N(−0.1)) = 100·(2·0.539827837277029 − 1) = 7.96556745540580,
    // delta = N(0.1), vega = F·φ(0.1)·√T = 100·0.396952547477012 = 39.6952547477012,
    // gamma = φ(0.1)/(F·σ√T) = 0.396952547477012/20, theta = −F·φ(0.1)·σ/(2√T) = −3.96952547477012.
    const g = black76({ right: 'call', forward: 100, strike: 100, timeYears: 1, volAnnual: 0.2 });
    expect(g.price).toBeCloseTo(7.9655674554058, 12);
    expect(g.delta).toBeCloseTo(0.539827837277029, 14);
    expect(g.vega).toBeCloseTo(39.6952547477012, 11);
    expect(g.gamma).toBeCloseTo(0.396952547477012 / 20, 14);
    expect(g.theta).toBeCloseTo(-3.96952547477012, 12);
    expect(g.rho).toBeCloseTo(-7.9655674554058, 12); // −T·V
  });

  it('agrees with black76Price and reports rho = −T·V', () => {
    for (const input of grid()) {
      const g = black76(input);
      const D = Math.exp(-(input.rate ?? 0) * input.timeYears);
      expect(g.price).toBe(
        black76Price(input.right, input.forward, input.strike, input.timeYears, input.volAnnual, D),
      );
      expect(g.rho).toBeCloseTo(-input.timeYears * g.price, 12);
    }
  });

  it('satisfies put–call parity for the price and every greek', () => {
    // C − P = D·(F − K): Δc − Δp = D, equal gamma and vega, θc − θp = r·D·(F − K),
    // ρc − ρp = −T·D·(F − K).
    for (const input of grid()) {
      if (input.right === 'put') continue;
      const c = black76(input);
      const p = black76({ ...input, right: 'put' });
      const r = input.rate ?? 0;
      const D = Math.exp(-r * input.timeYears);
      const fwd = D * (input.forward - input.strike);
      expect(c.price - p.price).toBeCloseTo(fwd, 11);
      expect(c.delta - p.delta).toBeCloseTo(D, 14);
      expect(c.gamma).toBeCloseTo(p.gamma, 14);
      expect(c.vega).toBeCloseTo(p.vega, 11);
      expect(c.theta - p.theta).toBeCloseTo(r * fwd, 11);
      expect(c.rho - p.rho).toBeCloseTo(-input.timeYears * fwd, 10);
    }
  });

  it('has every greek equal to central finite differences of the price (1e-6 relative)', () => {
    let n = 0;
    for (const input of grid()) {
      checkGreeksByFiniteDifferences(input, black76, 'linear');
      n++;
    }
    expect(n).toBe(72);
  });

  it('has gamma equal to the second difference of the price', () => {
    // Differenced on the out-of-the-money option of the strike, which has the same gamma (parity
    // is linear in F) and a small price, so rounding does not swamp the second difference.
    for (const input of grid()) {
      const g = black76(input);
      const otm = input.strike >= input.forward ? 'call' : 'put';
      const v = (x: number) => black76({ ...input, right: otm, forward: x }).price;
      const h = 1e-3 * input.forward * input.volAnnual * Math.sqrt(input.timeYears);
      const fd = (v(input.forward + h) - 2 * v(input.forward) + v(input.forward - h)) / (h * h);
      expect(Math.abs(fd - g.gamma)).toBeLessThanOrEqual(1e-5 * g.gamma);
    }
  });

  it('prices expired and zero-vol options at discounted intrinsic value', () => {
    const base = { forward: 110, strike: 100, rate: 0.05 } as const;
    const D = Math.exp(-0.05 * 2);
    // σ = 0, T = 2: in-the-money call worth D·10, delta D, no gamma or vega, theta r·V, rho −T·V.
    const c = black76({ ...base, right: 'call', timeYears: 2, volAnnual: 0 });
    expect(c.price).toBeCloseTo(D * 10, 14);
    expect(c.delta).toBeCloseTo(D, 15);
    expect([c.gamma, c.vega]).toEqual([0, 0]);
    expect(c.theta).toBeCloseTo(0.05 * D * 10, 14);
    expect(c.rho).toBeCloseTo(-2 * D * 10, 14);
    const p = black76({ ...base, right: 'put', timeYears: 2, volAnnual: 0 });
    expect(p).toEqual({ price: 0, delta: 0, gamma: 0, vega: 0, theta: 0, rho: -0 });
    // T = 0: D = 1, intrinsic; out of the money put has delta 0, in the money put −1.
    expect(black76({ ...base, right: 'put', timeYears: 0, volAnnual: 0.5 }).delta).toBe(0);
    // theta = r·V = 0.05·10: only the discount's accrual remains.
    expect(black76({ ...base, right: 'put', strike: 120, timeYears: 0, volAnnual: 0.5 })).toEqual({
      price: 10,
      delta: -1,
      gamma: 0,
      vega: 0,
      theta: 0.5,
      rho: -0,
    });
    // Exactly at the money: ±D/2 (the σ → 0 limit of N(d1)), so Δcall − Δput = D still holds.
    const atm = { forward: 100, strike: 100, timeYears: 1, volAnnual: 0, rate: 0.05 } as const;
    expect(black76({ ...atm, right: 'call' }).delta).toBeCloseTo(0.5 * Math.exp(-0.05), 15);
    expect(black76({ ...atm, right: 'put' }).delta).toBeCloseTo(-0.5 * Math.exp(-0.05), 15);
  });

  it('has a negative theta for long vanillas in usual conditions', () => {
    for (const input of grid()) {
      if ((input.rate ?? 0) === 0) expect(black76(input).theta).toBeLessThan(0);
    }
  });

  it('refuses bad inputs with BAD_ARGUMENT', () => {
    const ok = { right: 'call', forward: 100, strike: 100, timeYears: 1, volAnnual: 0.2 } as const;
    const bad: Partial<Black76Input>[] = [
      { forward: 0 },
      { forward: Number.NaN },
      { strike: -1 },
      { timeYears: -0.1 },
      { volAnnual: -0.2 },
      { volAnnual: Number.POSITIVE_INFINITY },
      { rate: Number.NaN },
    ];
    for (const patch of bad) {
      expect(() => black76({ ...ok, ...patch })).toThrow(BackstopError);
      try {
        black76({ ...ok, ...patch });
      } catch (e) {
        expect((e as BackstopError).code).toBe('BAD_ARGUMENT');
      }
    }
  });
});

describe('black76Inverse (coin-settled, Deribit style)', () => {
  it('prices in coin: coin price × F = the quote-currency Black-76 price', () => {
    for (const input of grid()) {
      const coin = black76Inverse(input);
      const usd = black76(input);
      expect(coin.price * input.forward).toBeCloseTo(usd.price, 12);
      expect(coin.vega * input.forward).toBeCloseTo(usd.vega, 11);
      expect(coin.theta * input.forward).toBeCloseTo(usd.theta, 11);
      expect(coin.rho * input.forward).toBeCloseTo(usd.rho, 11);
      // Deribit's delta: Black-76 delta minus the premium in coin, = F·∂(V/F)/∂F.
      expect(coin.deltaPremiumAdjusted).toBeCloseTo(usd.delta - coin.price, 14);
      expect(coin.deltaPremiumAdjusted).toBeCloseTo(input.forward * coin.delta, 14);
    }
  });

  it('has every greek equal to central finite differences of the coin price (1e-6 relative)', () => {
    for (const input of grid()) checkGreeksByFiniteDifferences(input, black76Inverse, 'inverse');
  });

  it('matches a hand calculation at expiry', () => {
    // F = 50 000, K = 40 000, T = 0: the call pays (F − K)/F = 0.2 coin; ∂/∂F of 1 − K/F is
    // K/F² = 1.6e-5 coin per USD; second derivative −2K/F³ = −6.4e-10; Deribit delta 1 − 0.2.
    const c = black76Inverse({
      right: 'call',
      forward: 50_000,
      strike: 40_000,
      timeYears: 0,
      volAnnual: 0.6,
    });
    expect(c.price).toBeCloseTo(0.2, 15);
    expect(c.delta).toBeCloseTo(1.6e-5, 18);
    expect(c.gamma).toBeCloseTo(-6.4e-10, 22);
    expect(c.deltaPremiumAdjusted).toBeCloseTo(0.8, 15);
    expect(c.vega).toBe(0);
    // The put is worthless in coin and in every greek.
    const p = black76Inverse({ right: 'put', forward: 50_000, strike: 40_000, timeYears: 0, volAnnual: 0.6 });
    expect([p.price, p.delta, p.gamma, p.vega]).toEqual([0, 0, 0, 0]);
  });

  it('keeps the coin value of a call below 1 coin however high F goes', () => {
    const c = black76Inverse({ right: 'call', forward: 1e9, strike: 100, timeYears: 1, volAnnual: 1 });
    expect(c.price).toBeLessThan(1);
    expect(c.price).toBeCloseTo(1, 6);
  });
});
