import { Command, Option } from 'commander';
import type { OptionRight } from '../domain/instrument.ts';
import { black76, black76Inverse, type Greeks } from '../pricing/black76.ts';
import { bsm } from '../pricing/bsm.ts';
import { UsageError } from './errors.ts';
import type { Io } from './output.ts';

/** Which model `backstop price` used. */
export type PriceModel = 'black76' | 'black76-inverse' | 'bsm';

/** The `--json` document of `backstop price`. */
export interface PriceReport extends Greeks {
  readonly model: PriceModel;
  readonly inputs: Readonly<Record<string, number | string>>;
  /** Inverse only: Deribit's delta, Black-76 delta minus the coin price (coin per coin). */
  readonly deltaPremiumAdjusted?: number;
}

const UNITS_HELP = `
Models:
  --forward F   Black-76 on the forward, discount e^(-rT) (--rate); linear (quote-settled),
                or inverse (coin-settled, Deribit style) with --inverse
  --spot S      Black-Scholes-Merton with cost of carry b = r - q (--rate, --dividend-yield)

Inputs: prices in the quote currency (e.g. USD) per unit of underlying; --expiry-years in years;
--vol, --rate, --dividend-yield as annual fractions (0.6 = 60 %), continuously compounded.

Output {price, delta, gamma, vega, theta, rho}, conventions of QuantLib and Haug:
  price  quote currency per unit of underlying (--inverse: coin per coin of notional = USD price / F)
  delta  dV/dF (--forward) or dV/dS (--spot), per unit of the underlying
         (--inverse: d(V/F)/dF, coin per quote-currency unit of F; deltaPremiumAdjusted = F * delta
         is Deribit's delta, Black-76 delta minus the coin price)
  gamma  second derivative of V with respect to the underlying, per unit of the underlying
  vega   dV/dvol per 1.00 change in volatility (100 vol points; /100 per vol point)
  theta  per year: the change in value with the passage of time, -dV/dT (negative for a long
         vanilla in usual conditions; /365 per calendar day)
  rho    dV/dr per 1.00 change in the rate (/10000 per bp); Black-76 holds the forward fixed
         (rho = -T * price), BSM holds the spot and the dividend yield fixed

Examples:
  backstop price --type call --spot 60 --strike 65 --expiry-years 0.25 --vol 0.3 --rate 0.08
  backstop price --type put --forward 60000 --strike 55000 --expiry-years 0.1 --vol 0.6 --inverse --json
`;

const UNITS_SHORT: Record<keyof Greeks, [string, string]> = {
  price: ['quote currency', 'coin'],
  delta: ['per unit of the underlying', 'coin per quote unit of F'],
  gamma: ['per unit of the underlying', 'coin per (quote unit of F)²'],
  vega: ['per 1.00 vol', 'coin per 1.00 vol'],
  theta: ['per year', 'coin per year'],
  rho: ['per 1.00 rate', 'coin per 1.00 rate'],
};

function number(flag: string, text: unknown, check: 'positive' | 'non-negative' | 'finite'): number {
  const v = typeof text === 'string' && text.trim() !== '' ? Number(text) : Number.NaN;
  const fine =
    Number.isFinite(v) && (check === 'positive' ? v > 0 : check === 'non-negative' ? v >= 0 : true);
  if (!fine) {
    const want =
      check === 'positive' ? 'a number > 0' : check === 'non-negative' ? 'a number ≥ 0' : 'a finite number';
    throw new UsageError(`${flag}: expected ${want}, got "${String(text)}"`);
  }
  return v;
}

/** Validates the flags and prices the option. Throws UsageError for bad flags (exit code 2). */
export function priceFromOptions(opts: Readonly<Record<string, unknown>>): PriceReport {
  const right = opts.type as OptionRight;
  if (right !== 'call' && right !== 'put')
    throw new UsageError(`--type: expected call or put, got "${right}"`);
  const hasForward = opts.forward !== undefined;
  const hasSpot = opts.spot !== undefined;
  if (hasForward === hasSpot) {
    throw new UsageError('exactly one of --forward (Black-76) or --spot (Black-Scholes-Merton) is required');
  }
  if (opts.inverse && hasSpot)
    throw new UsageError('--inverse needs --forward (inverse options use Black-76)');
  if (opts.dividendYield !== undefined && hasForward) {
    throw new UsageError('--dividend-yield applies to --spot only (a forward already includes the carry)');
  }
  const strike = number('--strike', opts.strike, 'positive');
  const timeYears = number('--expiry-years', opts.expiryYears, 'non-negative');
  const volAnnual = number('--vol', opts.vol, 'non-negative');
  const rate = opts.rate === undefined ? 0 : number('--rate', opts.rate, 'finite');
  if (hasForward) {
    const forward = number('--forward', opts.forward, 'positive');
    const input = { right, forward, strike, timeYears, volAnnual, rate };
    if (opts.inverse) {
      const { deltaPremiumAdjusted, ...g } = black76Inverse(input);
      return { model: 'black76-inverse', inputs: input, ...g, deltaPremiumAdjusted };
    }
    return { model: 'black76', inputs: input, ...black76(input) };
  }
  const spot = number('--spot', opts.spot, 'positive');
  const dividendYield =
    opts.dividendYield === undefined ? 0 : number('--dividend-yield', opts.dividendYield, 'finite');
  const input = { right, spot, strike, timeYears, volAnnual, rate, dividendYield };
  const { dividendRho: _unused, ...g } = bsm(input);
  return { model: 'bsm', inputs: input, ...g };
}

const show = (x: number) => (Object.is(x, -0) ? 0 : Number(x.toPrecision(10))).toString();

/** `backstop price`: price and greeks of one European option (Black-76 on a forward, or BSM on a spot). */
export function priceCommand(io: Io): Command {
  return new Command('price')
    .description(
      'Price and greeks of a European option: Black-76 on a forward (linear or inverse) or BSM on a spot',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) })
    .addOption(new Option('--type <right>', 'option type').choices(['call', 'put']).makeOptionMandatory())
    .option('--forward <F>', 'forward price (Black-76), quote currency')
    .option('--spot <S>', 'spot price (Black-Scholes-Merton with carry), quote currency')
    .requiredOption('--strike <K>', 'strike, quote currency')
    .requiredOption('--expiry-years <T>', 'time to expiry in years')
    .requiredOption('--vol <V>', 'annualized volatility as a fraction (0.6 = 60 %)')
    .option('--rate <R>', 'continuously compounded annual rate (default 0)')
    .option('--dividend-yield <Q>', 'continuous dividend yield, --spot only (default 0)')
    .option('--inverse', 'coin-settled (Deribit style) option: price and greeks in coin; --forward only')
    .option('--json', 'one JSON document {model, inputs, price, delta, gamma, vega, theta, rho}')
    .addHelpText('after', UNITS_HELP)
    .action((opts: Record<string, unknown>) => {
      const report = priceFromOptions(opts);
      if (opts.json) {
        io.out.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const inverse = report.model === 'black76-inverse' ? 1 : 0;
      const width = inverse ? 'deltaPremiumAdjusted'.length : 'model'.length;
      const line = (name: string, value: string, unit: string) =>
        io.out.write(`${name.padEnd(width)} ${value.padStart(18)}  ${unit}\n`);
      io.out.write(`${'model'.padEnd(width)} ${report.model}\n`);
      for (const key of ['price', 'delta', 'gamma', 'vega', 'theta', 'rho'] as const) {
        line(key, show(report[key]), UNITS_SHORT[key][inverse]);
      }
      if (report.deltaPremiumAdjusted !== undefined) {
        line('deltaPremiumAdjusted', show(report.deltaPremiumAdjusted), 'Deribit delta: coin per coin');
      }
    });
}
