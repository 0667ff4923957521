import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DepthBand } from '../domain/events.ts';
import { DepthProfile } from './depth-profile.ts';

/**
 * bid −1 %: 2 base, 198 quote (vwap 99); bid −2 %: 5 base, 492 quote (increment 3 base, 294 quote)
 * ask +1 %: 1 base, 101 quote (vwap 101); ask +2 %: 3 base, 304 quote (increment 2 base, 203 quote)
 */
const HAND: DepthBand[] = [
  { pct: 2, depthBase: 3, notionalQuote: 304 },
  { pct: -1, depthBase: 2, notionalQuote: 198 },
  { pct: 1, depthBase: 1, notionalQuote: 101 },
  { pct: -2, depthBase: 5, notionalQuote: 492 },
];

describe('DepthProfile on hand-made bands', () => {
  it('estimates mid from the innermost band vwaps and has no spread', () => {
    const dp = new DepthProfile('T', HAND);
    // (198/2 + 101/1) / 2 = (99 + 101) / 2 = 100
    expect(dp.mid()).toBe(100);
    expect(dp.spreadBps()).toBeNull();
    expect(dp.bandCount('bid')).toBe(2);
    expect(dp.bandCount('ask')).toBe(2);
    // band edges ±1 %, ±2 % → 100, 200 bps
    expect(dp.bandsBps()).toEqual([100, 200]);
    dp.update([
      { pct: -0.1, depthBase: 1, notionalQuote: 100 },
      { pct: 0.5, depthBase: 1, notionalQuote: 100 },
    ]);
    expect(dp.bandsBps()).toEqual([10, 50]);
  });

  it('interpolates cumulative notional linearly in |pct|, from 0 at mid, capped outside', () => {
    const dp = new DepthProfile('T', HAND);
    // 100 bps = 1 % = the first band edge: 198 (bid), 101 (ask)
    expect(dp.depthWithinBps('bid', 100)).toBe(198);
    expect(dp.depthWithinBps('ask', 100)).toBe(101);
    // 50 bps = 0.5 %: half of the first band: 198/2 = 99
    expect(dp.depthWithinBps('bid', 50)).toBe(99);
    // 150 bps: 198 + (492 − 198) × 0.5 = 198 + 147 = 345; ask 101 + (304 − 101) × 0.5 = 202.5
    expect(dp.depthWithinBps('bid', 150)).toBe(345);
    expect(dp.depthWithinBps('ask', 150)).toBe(202.5);
    // 200 bps: the outermost edge 492; 300 bps stays there (a lower bound)
    expect(dp.depthWithinBps('bid', 200)).toBe(492);
    expect(dp.depthWithinBps('bid', 300)).toBe(492);
    expect(dp.depthWithinBps('bid', 0)).toBe(0);
    expect(dp.depthWithinBps('bid', -5)).toBe(0);
  });

  it('walks a sell through one band and half of the next', () => {
    const w = new DepthProfile('T', HAND).walkSellQuote(345);
    // band 1 whole: 2 base, 198 quote, 147 left; band 2 holds 294 → fraction 147/294 = 0.5:
    // 1.5 base, 147 quote. filledBase 3.5, filledQuote 345, avg 345/3.5 = 98.5714…
    expect(w.filledBase).toBe(3.5);
    expect(w.filledQuote).toBe(345);
    expect(w.avgPrice).toBeCloseTo(98.57142857142857, 10);
    // worst: pct 1 + 0.5 × (2 − 1) = 1.5 % below mid → 100 × (1 − 0.015) = 98.5
    expect(w.worstPrice).toBeCloseTo(98.5, 10);
    // slippage (100 − 98.5714…) / 100 × 1e4 = 142.857… bps
    expect(w.slippageBps).toBeCloseTo(142.85714285714286, 8);
    expect(w.complete).toBe(true);
  });

  it('walks a buy past the outermost band and reports what filled', () => {
    const w = new DepthProfile('T', HAND).walkBuyQuote(1000);
    // all asks: 3 base, 304 quote; avg 304/3 = 101.333…; worst = 100 × 1.02 = 102
    expect(w.filledBase).toBe(3);
    expect(w.filledQuote).toBe(304);
    expect(w.avgPrice).toBeCloseTo(101.33333333333333, 10);
    expect(w.worstPrice).toBeCloseTo(102, 10);
    // (101.333… − 100) / 100 × 1e4 = 133.333… bps
    expect(w.slippageBps).toBeCloseTo(400 / 3, 8);
    expect(w.complete).toBe(false);
  });

  it('walks zero as empty and complete; has no mid without both sides', () => {
    const dp = new DepthProfile('T', HAND);
    expect(dp.walkBuyQuote(0)).toEqual({
      requested: 0,
      filledBase: 0,
      filledQuote: 0,
      avgPrice: null,
      worstPrice: null,
      slippageBps: 0,
      complete: true,
    });
    dp.update(HAND.filter((b) => b.pct < 0));
    expect(dp.mid()).toBeNull();
    expect(dp.depthWithinBps('bid', 100)).toBe(0);
    // fills still add up without a mid, but there is no price to anchor worst price or slippage
    const w = dp.walkSellQuote(198);
    expect(w).toMatchObject({ filledBase: 2, filledQuote: 198, worstPrice: null, slippageBps: null });
    dp.update([]);
    expect(dp.bandCount('bid')).toBe(0);
    expect(dp.walkSellQuote(1).complete).toBe(false);
  });

  it('skips a zero-depth innermost band for the mid estimate', () => {
    const dp = new DepthProfile('T', [
      { pct: -1, depthBase: 0, notionalQuote: 0 },
      { pct: -2, depthBase: 2, notionalQuote: 196 },
      { pct: 1, depthBase: 1, notionalQuote: 102 },
    ]);
    // (196/2 + 102/1) / 2 = (98 + 102) / 2 = 100
    expect(dp.mid()).toBe(100);
    // first band is empty: a sell of 98 comes from the 1..2 % band: 1 base, worst at 1.5 % → 98.5
    const w = dp.walkSellQuote(98);
    expect(w.filledBase).toBe(1);
    expect(w.worstPrice).toBeCloseTo(98.5, 10);
  });

  it('throws a RangeError naming the band for bad input', () => {
    const dp = new DepthProfile('T');
    const bad: DepthBand[][] = [
      [{ pct: -1, depthBase: Number.NaN, notionalQuote: 1 }],
      [{ pct: 1, depthBase: -1, notionalQuote: 1 }],
      [{ pct: 0, depthBase: 1, notionalQuote: 1 }],
      [{ pct: -100, depthBase: 1, notionalQuote: 1 }],
      [
        { pct: 1, depthBase: 2, notionalQuote: 200 },
        { pct: 2, depthBase: 1, notionalQuote: 300 },
      ],
      [
        { pct: -1, depthBase: 2, notionalQuote: 200 },
        { pct: -2, depthBase: 3, notionalQuote: 100 },
      ],
      [
        { pct: 1, depthBase: 2, notionalQuote: 200 },
        { pct: 1, depthBase: 3, notionalQuote: 300 },
      ],
    ];
    for (const bands of bad) expect(() => dp.update(bands)).toThrow(/depth band \d+ \(pct/);
    expect(() => dp.update(bad[1]!)).toThrow(RangeError);
    // a failed update keeps the previous bands
    expect(dp.bandCount('bid')).toBe(0);
  });
});

/**
 * First snapshot (timestamp_ms 1760054407000, 2025-10-10T00:00:07Z) of
 * /work/shared/data/orderbook/btcusdt_binance_usdm_bookdepth_2025-10-10_0000-1159.csv.gz,
 * columns timestamp_ms, time_utc, percentage, depth, notional, weighted_avg_price, copied verbatim.
 */
const BTC_FIRST_SNAPSHOT = `1760054407000,2025-10-10T00:00:07Z,-5,8243.012,979983314.2056,118886.556783564
1760054407000,2025-10-10T00:00:07Z,-4,7493.886,892953256.8666,119157.571501168
1760054407000,2025-10-10T00:00:07Z,-3,6524.776,779250634.1359,119429.484496617
1760054407000,2025-10-10T00:00:07Z,-2,3859.67,463589665.9671,120111.218308068
1760054407000,2025-10-10T00:00:07Z,-1,1496.75,181266014.3741,121106.406797461
1760054407000,2025-10-10T00:00:07Z,1,1964.845,239906922.6169,122099.668226705
1760054407000,2025-10-10T00:00:07Z,2,3554.445,435823459.6932,122613.645644594
1760054407000,2025-10-10T00:00:07Z,3,4266.724,524550400.1639,122939.848034206
1760054407000,2025-10-10T00:00:07Z,4,5266.482,650517189.0599,123520.252999991
1760054407000,2025-10-10T00:00:07Z,5,6182.925,766746432.071,124010.307754178`;

const btcRows = BTC_FIRST_SNAPSHOT.split('\n').map((line) => {
  const [, , pct, depth, notional, vwap] = line.split(',');
  return { pct: Number(pct), depthBase: Number(depth), notionalQuote: Number(notional), vwap: Number(vwap) };
});

describe('DepthProfile on the first Binance BTCUSDT bookDepth snapshot', () => {
  const dp = new DepthProfile(
    'BTCUSDT',
    btcRows.map(({ pct, depthBase, notionalQuote }) => ({ pct, depthBase, notionalQuote })),
  );

  it('estimates mid from the ±1 % band vwaps', () => {
    // second computation from the file's own weighted_avg_price column:
    // (121106.406797461 + 122099.668226705) / 2 = 121603.037512083
    const fileVwapBid = btcRows.find((r) => r.pct === -1)!.vwap;
    const fileVwapAsk = btcRows.find((r) => r.pct === 1)!.vwap;
    expect(dp.mid()).toBeCloseTo((fileVwapBid + fileVwapAsk) / 2, 6);
    // by hand: 181266014.3741 / 1496.75 = 121106.40679746…, 239906922.6169 / 1964.845 = 122099.66822670…
    expect(dp.mid()).toBeCloseTo(121603.03751208, 6);
  });

  it('reads depth within 100 bps straight off the ±1 % bands, and interpolates beyond', () => {
    // 100 bps = 1 %: the ±1 % cumulative notionals themselves
    expect(dp.depthWithinBps('bid', 100)).toBe(181266014.3741);
    expect(dp.depthWithinBps('ask', 100)).toBe(239906922.6169);
    // 250 bps bid: halfway between −2 % and −3 %:
    // 463589665.9671 + (779250634.1359 − 463589665.9671) / 2 = 463589665.9671 + 157830484.0844 = 621420150.0515
    expect(dp.depthWithinBps('bid', 250)).toBeCloseTo(621420150.0515, 3);
    // beyond 5 %: capped at the ±5 % value
    expect(dp.depthWithinBps('ask', 1000)).toBe(766746432.071);
  });

  it('walks a 100 M USDT sell inside the first band', () => {
    const w = dp.walkSellQuote(100_000_000);
    // fraction of band −1 %: 1e8 / 181266014.3741 = 0.551675…; base = that × 1496.75 = 825.71…
    const f = 100_000_000 / 181266014.3741;
    expect(w.filledBase).toBeCloseTo(f * 1496.75, 9);
    // inside one band the avg is that band's vwap 121106.4068; worst at f % below mid
    expect(w.avgPrice).toBeCloseTo(121106.40679746117, 6);
    expect(w.worstPrice).toBeCloseTo(121603.03751208304 * (1 - f / 100), 6);
    expect(w.complete).toBe(true);
  });
});

describe('DepthProfile properties', () => {
  // Random valid profiles: 1..5 bands per side at increasing pct with non-negative increments.
  const increments = fc.array(
    fc.record({
      dPct: fc.double({ min: 0.1, max: 3, noNaN: true }),
      dBase: fc.double({ min: 0, max: 100, noNaN: true }),
      price: fc.double({ min: 50, max: 150, noNaN: true }),
    }),
    { minLength: 1, maxLength: 5 },
  );
  const toBands = (incs: { dPct: number; dBase: number; price: number }[], sign: 1 | -1): DepthBand[] => {
    let pct = 0;
    let base = 0;
    let quote = 0;
    return incs.map((x) => {
      pct += x.dPct;
      base += x.dBase;
      quote += x.dBase * x.price;
      return { pct: sign * pct, depthBase: base, notionalQuote: quote };
    });
  };

  it('depth is non-decreasing in bps and walk fills are non-decreasing in notional', () => {
    fc.assert(
      fc.property(
        increments,
        increments,
        fc.array(fc.double({ min: 0, max: 5e4, noNaN: true }), { minLength: 2 }),
        (bidIncs, askIncs, raw) => {
          const dp = new DepthProfile('P', [...toBands(bidIncs, -1), ...toBands(askIncs, 1)]);
          const xs = [...raw].sort((a, b) => a - b);
          for (const side of ['bid', 'ask'] as const) {
            let prev = 0;
            for (const x of xs) {
              const d = dp.depthWithinBps(side, x / 10);
              if (d < prev * (1 - 1e-12)) return false;
              prev = d;
            }
          }
          for (const walk of [(n: number) => dp.walkSellQuote(n), (n: number) => dp.walkBuyQuote(n)]) {
            let prev = 0;
            for (const n of xs) {
              const w = walk(n);
              if (w.filledQuote < prev * (1 - 1e-12) || w.filledQuote > n * (1 + 1e-12)) return false;
              prev = w.filledQuote;
            }
          }
          return true;
        },
      ),
      { seed: 31337, numRuns: 300 },
    );
  });
});
