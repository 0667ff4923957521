import { Command, Option } from 'commander';
import { loadMarket, loadPortfolio, loadWhatIf } from '../io/margin-input.ts';
import { readPrices } from '../io/series.ts';
import { type AccountMarginResult, accountMargin, applyWhatIf } from '../margin/account-margin.ts';
import { DEFAULT_LIQUIDITY_ADDON, withLiquidityAddOn } from '../margin/liquidity-addon.ts';
import { marginDocument } from '../margin/margin-document.ts';
import { MARGIN_MODEL_NAMES, type MarginModelName, marginModel } from '../margin/models.ts';
import { returnsFromPrices } from '../risk/returns.ts';
import { fmt, type Io } from './output.ts';

function writeHuman(io: Io, title: string, r: AccountMarginResult): void {
  io.out.write(`${title}account ${r.account} — model ${r.model} — state ${r.state}\n`);
  for (const p of r.pools) {
    io.out.write(
      `  ${p.currency.padEnd(6)} equity ${fmt(p.equity, 4, 16)}  IM ${fmt(p.im, 4, 16)}  MM ${fmt(p.mm, 4, 16)}  ${p.state}\n`,
    );
    for (const u of p.underlyings) {
      io.out.write(
        `    ${u.underlying.padEnd(8)} IM ${fmt(u.im, 4, 14)}  MM ${fmt(u.mm, 4, 14)}  open orders: ${u.openOrdersAssumed}\n`,
      );
    }
  }
}

export function marginCommand(io: Io): Command {
  return new Command('margin')
    .description('Initial and maintenance margin of one account under a margin model')
    .requiredOption('--portfolio <file>', 'portfolio JSON (account, collateral, positions, open orders)')
    .requiredOption(
      '--market <file>',
      'market JSON (time, instruments, spot / forwards / marks / vols per underlying)',
    )
    .addOption(new Option('--model <name>', 'margin model').choices(MARGIN_MODEL_NAMES).default('deribit-pm'))
    .option(
      '--explain',
      'include the breakdown: binding scenario, contingencies, each position’s contribution',
    )
    .option(
      '--liquidity-addon',
      'add the cost to close each perpetual / future / spot position through the market file’s books',
    )
    .option(
      '--history <file...>',
      'es-fhs: daily price history (CSV with a time column and close), as FILE for every underlying or UNDERLYING=FILE',
    )
    .option('--what-if <file>', 'orders JSON: margin after these hypothetical fills (state is not changed)')
    .option('--json', 'one JSON document on stdout')
    .action(
      (opts: {
        portfolio: string;
        market: string;
        model: MarginModelName;
        explain?: boolean;
        whatIf?: string;
        json?: boolean;
        liquidityAddon?: boolean;
        history?: string[];
      }) => {
        const market = loadMarket(opts.market);
        const portfolio = loadPortfolio(opts.portfolio, market);
        const histories = new Map<string, readonly number[]>();
        for (const spec of opts.history ?? []) {
          const eq = spec.indexOf('=');
          const [u, file] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : ['*', spec];
          histories.set(u, returnsFromPrices(readPrices(file).map((p) => p.value)));
        }
        const base = marginModel(opts.model, { historyFor: (u) => histories.get(u) ?? histories.get('*') });
        const model = opts.liquidityAddon
          ? withLiquidityAddOn(base, {
              viewOf: (id) => market.books.get(id) ?? null,
              params: DEFAULT_LIQUIDITY_ADDON,
            })
          : base;
        const before = accountMargin(portfolio, model, market);
        const explain = Boolean(opts.explain);
        if (opts.whatIf) {
          const orders = loadWhatIf(opts.whatIf, market);
          const after = accountMargin(applyWhatIf(portfolio, orders, market), model, market);
          if (opts.json) {
            io.out.write(
              `${JSON.stringify({ ...marginDocument(after, explain), whatIf: { orders, before: marginDocument(before, explain) } })}\n`,
            );
          } else {
            writeHuman(io, 'before: ', before);
            writeHuman(io, 'after:  ', after);
          }
          return;
        }
        if (opts.json) io.out.write(`${JSON.stringify(marginDocument(before, explain))}\n`);
        else {
          writeHuman(io, '', before);
          if (explain) io.out.write(`${JSON.stringify(marginDocument(before, true).pools, null, 2)}\n`);
        }
      },
    );
}
