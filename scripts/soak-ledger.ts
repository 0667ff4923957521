// Ledger soak (npm run soak:ledger [-- EVENTS [SEED]]): seeded random deposits, withdrawals,
// transfers, trades, price moves, liquidations, payouts, ADL, bad-debt write-offs and socialized
// loss; every currency's total over all accounts is checked after every event, the balance
// policy on every touched account, and every balance against an independent replay of the
// applied postings every 10 000 events and at the end. Exit 1 on any violation.

import { DEFAULT_UNIVERSE, LedgerWorkload, randomLedgerOp } from '../src/backstop/ledger/workload.ts';
import { SeededRng } from '../src/core/rng.ts';

const events = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 20_261_126);
if (!Number.isSafeInteger(events) || events <= 0 || !Number.isSafeInteger(seed)) {
  console.error('usage: soak-ledger [EVENTS] [SEED]');
  process.exit(2);
}

const rng = new SeededRng(seed);
const w = new LedgerWorkload(DEFAULT_UNIVERSE);
const currencies = Object.keys(DEFAULT_UNIVERSE.currencies);
const started = performance.now();
let violations = 0;
const report = (at: number, problems: string[]) => {
  for (const p of problems.slice(0, 5)) console.error(`event ${at}: ${p}`);
  violations += problems.length;
};

for (let i = 1; i <= events; i++) {
  let problems: string[];
  try {
    problems = w.apply(randomLedgerOp(rng));
  } catch (e) {
    problems = [`threw: ${e instanceof Error ? e.message : String(e)}`];
  }
  if (i % 10_000 === 0 || i === events) problems = problems.concat(w.fullCheck());
  if (problems.length > 0) {
    report(i, problems);
    if (violations >= 20) break;
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
const refused = [...w.refused].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, n]) => `${c} ${n}`);
console.log(
  `${events} events (seed ${seed}), ${currencies.length} currencies (${currencies.join(', ')}), ` +
    `${w.applied} transactions applied, ${w.refusedCount} refused as expected in ${seconds} s`,
);
const kinds = [...w.appliedByReason].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, n]) => `${r} ${n}`);
console.log(`applied: ${kinds.join(', ')}`);
console.log(`refusals: ${refused.join(', ')}`);
console.log(
  `traders taken into bad debt: ${w.badDebtTraders.size}; open balances: ${w.ledger.balances().length}`,
);
if (violations > 0) {
  console.log(`CONSERVATION VIOLATED: ${violations} problem(s)`);
  process.exit(1);
}
console.log(`conservation held after every event: every currency's total is exactly 0`);
