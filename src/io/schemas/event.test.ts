import { describe, expect, it } from 'vitest';
import { decodeEvent } from './event.ts';

describe('decodeEvent (wire form of engine events)', () => {
  it('accepts well-formed events of several kinds', () => {
    for (const e of [
      { kind: 'book-snapshot', tsUs: 1, instrument: 'X', bids: [[99, 1]], asks: [[101, 2]] },
      {
        kind: 'fill',
        tsUs: 2,
        eventId: 'f1',
        account: 'a',
        instrument: 'X',
        qtyContracts: -1,
        price: 100,
        fee: '0.25',
      },
      { kind: 'transfer', tsUs: 3, eventId: 't1', account: 'a', currency: 'USDC', amount: '-10' },
      { kind: 'governance', tsUs: 4, proposalId: 'p', action: 'vote', params: { yes: true, weight: 2 } },
      { kind: 'timer', tsUs: 5 },
    ]) {
      expect(decodeEvent(e)).toEqual({ ok: true, event: e });
    }
  });

  it('names the field that is wrong', () => {
    expect(decodeEvent([1])).toMatchObject({ ok: false, field: '(root)' });
    expect(decodeEvent({ kind: 'index-price', tsUs: 1, instrument: 'BTC', price: '100' })).toMatchObject({
      ok: false,
      field: '/price',
    });
    expect(
      decodeEvent({
        kind: 'fill',
        tsUs: 2,
        eventId: 'f',
        account: 'a',
        instrument: 'X',
        qtyContracts: 1,
        price: 1,
        fee: '1e-3',
      }),
    ).toMatchObject({ ok: false, field: '/fee' });
    expect(
      decodeEvent({ kind: 'book-snapshot', tsUs: 1, instrument: 'X', bids: [[99, 'x']], asks: [] }),
    ).toMatchObject({
      ok: false,
      field: '/bids/0/1',
    });
    const missing = decodeEvent({ kind: 'index-price', tsUs: 1, price: 1 });
    expect(missing.ok).toBe(false);
    expect(missing.ok ? '' : `${missing.field} ${missing.reason}`).toMatch(/instrument/);
  });
});
