import { BackstopError } from '../core/errors.ts';
import type { Instrument } from '../domain/instrument.ts';
import { OrderBook } from '../liquidity/order-book.ts';
import type { AccountInput, AccountOrder, MarginContext } from '../margin/account-margin.ts';
import { marketFromSnapshot, type UnderlyingMarket } from '../margin/market.ts';
import type { InstrumentJson } from './schemas/instrument.ts';
import {
  type MarketJson,
  MarketSchema,
  type PortfolioJson,
  PortfolioSchema,
  type WhatIfJson,
  WhatIfSchema,
} from './schemas/margin-files.ts';
import { readJsonFile } from './schemas/validate.ts';

function isoToUs(iso: string, file: string, field: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) {
    throw new BackstopError('BAD_FIELD', `${file}: ${field}: not an ISO-8601 time: "${iso}"`, {
      file,
      field,
      value: iso,
    });
  }
  return ms * 1000;
}

export function instrumentFromJson(j: InstrumentJson, file: string, field: string): Instrument {
  switch (j.kind) {
    case 'index':
    case 'spot':
      return j;
    case 'perpetual': {
      const { fundingIntervalHours, ...rest } = j;
      return { ...rest, fundingIntervalUs: (fundingIntervalHours ?? 8) * 3600e6 };
    }
    case 'future': {
      const { expiry, ...rest } = j;
      return { ...rest, expiryUs: isoToUs(expiry, file, `${field}/expiry`) };
    }
    case 'option': {
      const { expiry, ...rest } = j;
      return { ...rest, expiryUs: isoToUs(expiry, file, `${field}/expiry`) };
    }
  }
}

export interface LoadedMarket extends MarginContext {
  readonly nowUs: number;
  /** Order books given in the file, by instrument (for the liquidity add-on). */
  readonly books: ReadonlyMap<string, OrderBook>;
}

/** Reads and validates `--market M.json` (docs/formats.md). */
export function loadMarket(path: string): LoadedMarket {
  const j = readJsonFile<MarketJson>(path, MarketSchema, 'market');
  const nowUs = isoToUs(j.now, path, '/now');
  const instruments = new Map<string, Instrument>();
  j.instruments.forEach((ij, k) => {
    if (instruments.has(ij.id)) {
      throw new BackstopError(
        'BAD_FIELD',
        `${path}: market /instruments/${k}/id: duplicate instrument ${ij.id}`,
        {
          file: path,
          field: `/instruments/${k}/id`,
          value: ij.id,
        },
      );
    }
    instruments.set(ij.id, instrumentFromJson(ij, path, `/instruments/${k}`));
  });
  const markets = new Map<string, UnderlyingMarket>();
  j.underlyings.forEach((u, k) => {
    const forwards: Record<string, number> = {};
    for (const [iso, f] of Object.entries(u.forwards ?? {})) {
      forwards[String(isoToUs(iso, path, `/underlyings/${k}/forwards/${iso}`))] = f;
    }
    markets.set(
      u.underlying,
      marketFromSnapshot({
        underlying: u.underlying,
        nowUs,
        spot: u.spot,
        forwards,
        ...(u.rate !== undefined ? { rate: u.rate } : {}),
        ...(u.marks ? { marks: u.marks } : {}),
        ...(u.vols ? { vols: u.vols } : {}),
        ...(u.defaultVol !== undefined ? { defaultVol: u.defaultVol } : {}),
      }),
    );
  });
  for (const [id, i] of instruments) {
    if (i.kind === 'option' && !markets.get(i.baseCurrency)) {
      throw new BackstopError(
        'BAD_FIELD',
        `${path}: market /underlyings: no market for ${i.baseCurrency} (needed by ${id})`,
        {
          file: path,
          field: '/underlyings',
          value: i.baseCurrency,
        },
      );
    }
    if (i.kind === 'option') {
      const u = j.underlyings.find((x) => x.underlying === i.baseCurrency);
      if (u && u.vols?.[id] === undefined && u.defaultVol === undefined) {
        throw new BackstopError(
          'BAD_FIELD',
          `${path}: market /underlyings/${i.baseCurrency}/vols: no vol for ${id} and no defaultVol`,
          {
            file: path,
            field: `/underlyings/${i.baseCurrency}/vols`,
            value: id,
          },
        );
      }
    }
  }
  const books = new Map<string, OrderBook>();
  for (const [id, b] of Object.entries(j.books ?? {})) {
    if (!instruments.has(id)) {
      throw new BackstopError('BAD_FIELD', `${path}: market /books/${id}: unknown instrument "${id}"`, {
        file: path,
        field: `/books/${id}`,
        value: id,
      });
    }
    const book = new OrderBook(id);
    const r = book.applyBatch(true, b.bids, b.asks);
    if (!r.ok) {
      throw new BackstopError(
        'BAD_FIELD',
        `${path}: market /books/${id}: crossed book (best bid ${r.bestBid} >= best ask ${r.bestAsk})`,
        {
          file: path,
          field: `/books/${id}`,
          value: id,
        },
      );
    }
    books.set(id, book);
  }
  return { nowUs, instruments, markets, books };
}

function checkInstrument(id: string, market: LoadedMarket, file: string, field: string, what: string): void {
  const i = market.instruments.get(id);
  if (!i) {
    throw new BackstopError(
      'BAD_FIELD',
      `${file}: ${what} ${field}: unknown instrument "${id}" (not in the market file)`,
      {
        file,
        field,
        value: id,
      },
    );
  }
  if (!market.markets.has(i.baseCurrency)) {
    throw new BackstopError(
      'BAD_FIELD',
      `${file}: ${what} ${field}: no market for underlying ${i.baseCurrency}`,
      {
        file,
        field,
        value: id,
      },
    );
  }
}

/** Reads and validates `--portfolio P.json` against the market's instruments. */
export function loadPortfolio(path: string, market: LoadedMarket): AccountInput {
  const j = readJsonFile<PortfolioJson>(path, PortfolioSchema, 'portfolio');
  j.positions.forEach((p, k) => {
    checkInstrument(p.instrument, market, path, `/positions/${k}/instrument`, 'portfolio');
  });
  (j.openOrders ?? []).forEach((o, k) => {
    checkInstrument(o.instrument, market, path, `/openOrders/${k}/instrument`, 'portfolio');
  });
  return {
    account: j.account,
    collateral: j.collateral.map((c) => ({ currency: c.currency, amount: Number(c.amount) })),
    positions: j.positions.map((p) => ({
      instrumentId: p.instrument,
      qty: p.qty,
      ...(p.avgEntryPrice !== undefined ? { avgEntryPrice: p.avgEntryPrice } : {}),
    })),
    openOrders: (j.openOrders ?? []).map((o) => ({
      instrumentId: o.instrument,
      qty: o.qty,
      ...(o.limitPrice !== undefined ? { limitPrice: o.limitPrice } : {}),
    })),
  };
}

/** Reads and validates `--what-if ORDERS.json`. */
export function loadWhatIf(path: string, market: LoadedMarket): AccountOrder[] {
  const j = readJsonFile<WhatIfJson>(path, WhatIfSchema, 'what-if');
  j.orders.forEach((o, k) => {
    checkInstrument(o.instrument, market, path, `/orders/${k}/instrument`, 'what-if');
  });
  return j.orders.map((o) => ({
    instrumentId: o.instrument,
    qty: o.qty,
    ...(o.limitPrice !== undefined ? { limitPrice: o.limitPrice } : {}),
  }));
}
