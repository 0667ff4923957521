// Regenerates the results table of docs/risk-models.md: every VaR method at 99 %, window 250,
// on the BTC and ETH daily closes of ../shared/data (run: npx tsx scripts/risk-table.ts).
import { runVar } from '../src/cli/risk.ts';
import { readPrices } from '../src/io/series.ts';
import { VAR_METHODS } from '../src/risk/estimators/index.ts';
import { returnsFromPrices } from '../src/risk/returns.ts';

const shared = process.env.BACKSTOP_SHARED ?? '../shared';
const files = {
  BTC: `${shared}/data/prices/daily/btc_usdt_binance_spot_daily_2017-08-17_2023-12-31.csv`,
  ETH: `${shared}/data/prices/daily/eth_usdt_binance_spot_daily_2017-08-17_2023-12-31.csv`,
};
const f = (x: number, d = 2) => x.toFixed(d);
console.log(
  '| asset | method | days | exceptions (expected) | Kupiec POF LR (p) | Christoffersen LRcc (p) | traffic light | ES Z2 (p) |',
);
console.log('|---|---|---:|---:|---:|---:|---|---:|');
for (const [asset, file] of Object.entries(files)) {
  const prices = readPrices(file);
  const returns = returnsFromPrices(prices.map((p) => p.value)).map((value, i) => ({
    tsMs: prices[i + 1]!.tsMs,
    value,
  }));
  for (const method of VAR_METHODS) {
    const r = runVar(returns, {
      method,
      confidence: 0.99,
      window: 250,
      horizonDays: 1,
      returnKind: 'log',
      backtest: true,
    });
    const b = r.backtest!;
    console.log(
      `| ${asset} | ${method} | ${b.observations} | ${b.exceptions} (${f(b.expectedExceptions, 1)}) | ${f(b.kupiecPof.lr)} (${f(b.kupiecPof.pValue, 3)}) | ${f(b.christoffersen.lrCc)} (${f(b.christoffersen.pCc, 3)}) | ${b.trafficLight.zone} | ${f(b.esTest!.z2, 3)} (${f(b.esTest!.pValue, 3)}) |`,
    );
  }
}
