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

  describe('operator controls', () => {
    const base = { kind: 'operator', tsUs: 7, reason: 'exchange outage', keyId: 'key-1' };

    it('accepts halt / resume (venue or one instrument), a tier override and its end, governance with keyId', () => {
      for (const e of [
        { ...base, action: 'halt' },
        { ...base, action: 'halt', instrument: 'BTC-PERP' },
        { ...base, action: 'resume', instrument: 'BTC-PERP' },
        { ...base, action: 'tier', tier: 'crisis' },
        { ...base, action: 'tier', tier: null },
        { kind: 'governance', tsUs: 4, proposalId: 'p', action: 'vote', params: {}, keyId: 'key-2' },
      ]) {
        expect(decodeEvent(e)).toEqual({ ok: true, event: e });
      }
    });

    it('refuses a bad control, naming the field', () => {
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ ...base, action: 'halt', reason: '' }, '/reason', /fewer than 1/],
        [{ ...base, action: 'halt', keyId: '' }, '/keyId', /fewer than 1/],
        [{ ...base, action: 'pause' }, '/action', /constant/],
        [{ ...base, action: 'tier' }, '/tier', /required when action is "tier"/],
        [{ ...base, action: 'tier', tier: 'panic' }, '/tier', /constant/],
        [{ ...base, action: 'tier', tier: 'watch', instrument: 'X' }, '/instrument', /not allowed/],
        [{ ...base, action: 'halt', tier: 'watch' }, '/tier', /only allowed when action is "tier"/],
        [{ ...base, action: 'resume', tier: null }, '/tier', /only allowed/],
        [{ ...base, action: 'halt', by: 'me' }, '/by', /unknown field/],
        [
          { kind: 'governance', tsUs: 4, proposalId: 'p', action: 'vote', params: {}, keyId: '' },
          '/keyId',
          /fewer than 1/,
        ],
      ];
      for (const [e, field, reason] of cases) {
        const r = decodeEvent(e);
        expect(r).toMatchObject({ ok: false, field });
        expect(r.ok ? '' : r.reason).toMatch(reason);
      }
      const { reason: _, ...noReason } = base;
      const missing = decodeEvent({ ...noReason, action: 'halt' });
      expect(missing.ok ? '' : `${missing.field} ${missing.reason}`).toMatch(/reason/);
    });
  });
});
