import type { Decision, MarginState, Tier } from '../src/domain/decisions.ts';

/** 2021-05-19 00:00:00 UTC in microseconds: the start of the sample log. */
export const SAMPLE_START_US = 1_621_382_400_000_000;

const STATES: readonly MarginState[] = ['healthy', 'warning', 'margin-call', 'liquidatable', 'bankrupt'];
const TIER_PATH: readonly Tier[] = ['normal', 'watch', 'stressed', 'crisis', 'stressed', 'watch'];

/**
 * `n` deterministic, realistic decisions for tests and examples of the audit log: margin-state
 * changes with balances, margins and thresholds; tier changes with the stress metrics; rejected
 * inputs with their source line. Record 7 (a margin-state change) is the only one whose evidence
 * holds `"USD.im":10000`.
 */
export function sampleDecisions(n = 50): Decision[] {
  const out: Decision[] = [];
  for (let i = 1; i <= n; i++) {
    const tsUs = SAMPLE_START_US + i * 37_000_000;
    const btc = Math.round((43_000 - i * 173.25) * 100) / 100;
    if (i % 3 === 1) {
      const im = i === 7 ? 10_000 : 20_000 + i * 250;
      const mm = im * 0.8;
      const equity = Math.round((im * (1.6 - (i % 9) * 0.12) + i / 7) * 100) / 100;
      const ratio = mm / equity;
      const k = Math.min(STATES.length - 1, Math.floor(ratio * 2));
      out.push({
        kind: 'margin-state-change',
        tsUs,
        account: `acct-${(i * 7919) % 1000}`,
        from: STATES[Math.max(0, k - 1)]!,
        to: STATES[k]!,
        reason: ratio >= 1 ? 'maintenance margin exceeds equity' : 'margin ratio crossed a threshold',
        evidence: {
          'USD.im': im,
          'USD.mm': mm,
          'USD.equity': equity,
          'USD.balance': Math.round(equity * 0.97 * 100) / 100,
          marginRatio: ratio,
          thresholdWarning: 0.8,
          thresholdMarginCall: 1,
          'BTC-PERP.mark': btc,
          model: 'deribit-pm',
        },
      });
    } else if (i % 3 === 2) {
      const step = Math.floor(i / 3) % TIER_PATH.length;
      out.push({
        kind: 'tier-change',
        tsUs,
        scope: 'BTC-PERP',
        from: TIER_PATH[(step + TIER_PATH.length - 1) % TIER_PATH.length]!,
        to: TIER_PATH[step]!,
        reason: 'stress index crossed the tier threshold',
        evidence: {
          stressIndex: 0.1 + (step * 0.2 + i / 1000),
          spreadBps: 1.5 + i * 0.37,
          depthBid: 2_500_000 - i * 31_250.5,
          rvEwma: 0.012 * (1 + step),
          thresholdWatch: 0.25,
          thresholdStressed: 0.5,
          thresholdCrisis: 0.75,
          mid: btc,
          stale: false,
        },
      });
    } else {
      out.push({
        kind: 'input-rejected',
        tsUs,
        code: i % 2 === 0 ? 'BAD_PRICE' : 'TIME_BACKWARDS',
        src: {
          file: 'data/samples/btcusdt_binance_usdm_bookdepth_2025-10-10_0000-1159.csv.gz',
          line: 10_000 + i * 41,
          raw: `2025-10-10 00:${String(i).padStart(2, '0')}:00,-1,${i * 0.01}`,
        },
        reason: i % 2 === 0 ? 'price ≤ 0' : 'time went backwards by more than 1 s',
        evidence: {
          field: i % 2 === 0 ? 'price' : 'timestamp',
          value: i % 2 === 0 ? -1 : null,
          line: 10_000 + i * 41,
        },
      });
    }
  }
  return out;
}
