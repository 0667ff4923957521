import { createHash } from 'node:crypto';
import type { Decision } from '../../domain/decisions.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The hash chain of the audit log (docs/concepts/audit-log.md). One record per JSONL line:
 *
 *   {"seq":N,"tsUs":T,"prevHash":"<64 hex>","hash":"<64 hex>","decision":<canonical JSON>}
 *
 * `hash` = SHA-256 (lowercase hex) of the UTF-8 bytes of canonicalJson({seq, tsUs, prevHash,
 * decision}); `prevHash` is the previous record's `hash`, 64 zeros for the first record; `seq`
 * starts at 1 and goes up by 1. Every function here is pure.
 */

/** The `prevHash` of the first record (and the `lastHash` of an empty log): 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord {
  readonly seq: number;
  /** When the record was appended, integer microseconds since the epoch (UnixMicros). */
  readonly tsUs: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly decision: Decision;
}

export type AuditRecordBody = Omit<AuditRecord, 'hash'>;

/** SHA-256 hex of canonicalJson({seq, tsUs, prevHash, decision}). */
export function hashRecord(body: AuditRecordBody): string {
  const { seq, tsUs, prevHash, decision } = body;
  return createHash('sha256').update(canonicalJson({ seq, tsUs, prevHash, decision }), 'utf8').digest('hex');
}

/** The record with its hash filled in. */
export function sealRecord(body: AuditRecordBody): AuditRecord {
  return { ...body, hash: hashRecord(body) };
}

/** The one text a record is written as (no newline). The verifier requires a line to be exactly this. */
export function formatRecord(r: AuditRecord): string {
  return `{"seq":${r.seq},"tsUs":${r.tsUs},"prevHash":"${r.prevHash}","hash":"${r.hash}","decision":${canonicalJson(r.decision)}}`;
}

/**
 * Why a line fails, in the order they are checked:
 * - `bad-json`: not a JSON value (cut short, corrupted, or an empty line);
 * - `bad-shape`: JSON, but not a record (missing or extra field, wrong type, malformed hash);
 * - `hash-mismatch`: the hash does not match the content — the record was edited;
 * - `not-canonical`: the hash matches the values but the text is not the one the writer wrote
 *   (whitespace, key order, number spelling such as `1e4` or an extra digit past double precision);
 * - `seq-gap`: the seq is not the previous one + 1 — a record was inserted, deleted or moved;
 * - `broken-link`: `prevHash` is not the previous record's hash — a record was replaced by one
 *   with a recomputed hash, or a log was spliced;
 * - `checkpoint-missing`: (only with a checkpoint) no record carries the expected hash — records
 *   were removed from the end, or the log was rewritten.
 */
export type AuditFailureReason =
  | 'bad-json'
  | 'bad-shape'
  | 'hash-mismatch'
  | 'not-canonical'
  | 'seq-gap'
  | 'broken-link'
  | 'checkpoint-missing';

export interface AuditFailure {
  readonly ok: false;
  /** 1-based line of the first bad record (for `checkpoint-missing`: one past the last line). */
  readonly line: number;
  /** The seq the line claims, or null when it cannot be read. */
  readonly seq: number | null;
  readonly reason: AuditFailureReason;
  /** One line naming the record and what it means, e.g. `line 7 (seq 7): hash mismatch — the record was edited`. */
  readonly message: string;
}

export interface AuditSuccess {
  readonly ok: true;
  readonly records: readonly AuditRecord[];
  /** The hash of the last record, GENESIS_HASH for an empty log. */
  readonly lastHash: string;
}

export interface VerifyOptions {
  /** A hash noted earlier (e.g. a printed `lastHash`): some record must carry it. */
  readonly checkpoint?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const RECORD_KEYS = new Set(['seq', 'tsUs', 'prevHash', 'hash', 'decision']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a parsed value is not a record, or null when it has the shape of one. */
function shapeProblem(v: unknown): string | null {
  if (!isPlainObject(v)) return 'not a JSON object';
  for (const k of Object.keys(v)) if (!RECORD_KEYS.has(k)) return `unexpected field "${k}"`;
  for (const k of RECORD_KEYS) if (!(k in v)) return `missing field "${k}"`;
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 1) return 'seq is not an integer ≥ 1';
  if (!Number.isSafeInteger(v.tsUs)) return 'tsUs is not an integer';
  if (typeof v.prevHash !== 'string' || !HEX64.test(v.prevHash))
    return 'prevHash is not 64 lowercase hex digits';
  if (typeof v.hash !== 'string' || !HEX64.test(v.hash)) return 'hash is not 64 lowercase hex digits';
  const d = v.decision;
  if (!isPlainObject(d)) return 'decision is not an object';
  if (typeof d.kind !== 'string') return 'decision.kind is not a string';
  if (typeof d.reason !== 'string') return 'decision.reason is not a string';
  if (!isPlainObject(d.evidence)) return 'decision.evidence is not an object';
  return null;
}

const short = (h: string) => `${h.slice(0, 12)}…`;

/**
 * Checks a log one line at a time in constant memory (the CLI streams a file through it).
 * `push` returns `{ok: true, record}` or the line's failure; after the first failure it keeps returning it.
 */
export class AuditChainVerifier {
  private lineNo = 0;
  private prevHash = GENESIS_HASH;
  private prevSeq = 0;
  private failure: AuditFailure | null = null;
  private checkpointSeen = false;

  constructor(private readonly options: VerifyOptions = {}) {}

  /** Records accepted so far. */
  get count(): number {
    return this.prevSeq;
  }

  /** Hash of the last accepted record (GENESIS_HASH before any). */
  get lastHash(): string {
    return this.prevHash;
  }

  /** Checks the next line (without its `\n`); returns the record when it is good. */
  push(text: string): { readonly ok: true; readonly record: AuditRecord } | AuditFailure {
    if (this.failure) return this.failure;
    const line = ++this.lineNo;
    const fail = (seq: number | null, reason: AuditFailureReason, what: string): AuditFailure => {
      this.failure = {
        ok: false,
        line,
        seq,
        reason,
        message: `line ${line}${seq === null ? '' : ` (seq ${seq})`}: ${what}`,
      };
      return this.failure;
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return fail(
        null,
        'bad-json',
        text.length === 0
          ? 'empty line — a line was inserted'
          : 'not valid JSON — the line was cut short or corrupted',
      );
    }
    const claimed = isPlainObject(parsed) && Number.isSafeInteger(parsed.seq) ? (parsed.seq as number) : null;
    const problem = shapeProblem(parsed);
    if (problem !== null) return fail(claimed, 'bad-shape', `not an audit record (${problem})`);
    const r = parsed as unknown as AuditRecord;
    let hash: string;
    try {
      hash = hashRecord(r);
    } catch (e) {
      // e.g. a number like 1e400 that JSON.parse reads as Infinity
      return fail(r.seq, 'bad-shape', `not an audit record (${(e as Error).message})`);
    }
    if (hash !== r.hash) return fail(r.seq, 'hash-mismatch', 'hash mismatch — the record was edited');
    if (formatRecord(r) !== text)
      return fail(
        r.seq,
        'not-canonical',
        'text differs from its canonical form (values hash the same) — the record was edited',
      );
    if (r.seq !== this.prevSeq + 1)
      return fail(
        r.seq,
        'seq-gap',
        `expected seq ${this.prevSeq + 1} — a record was inserted, deleted or moved before this line`,
      );
    if (r.prevHash !== this.prevHash)
      return fail(
        r.seq,
        'broken-link',
        `prevHash ${short(r.prevHash)} is not the previous record's hash ${short(this.prevHash)} — a record was replaced`,
      );
    this.prevSeq = r.seq;
    this.prevHash = r.hash;
    if (r.hash === this.options.checkpoint) this.checkpointSeen = true;
    return { ok: true, record: r };
  }

  /** The verdict once every line was pushed (records are not kept: pass them to verifyRecords for that). */
  finish(): { readonly ok: true; readonly count: number; readonly lastHash: string } | AuditFailure {
    if (this.failure) return this.failure;
    const cp = this.options.checkpoint;
    if (cp !== undefined && !this.checkpointSeen) {
      const line = this.lineNo + 1;
      this.failure = {
        ok: false,
        line,
        seq: null,
        reason: 'checkpoint-missing',
        message: `line ${line}: no record has the checkpoint hash ${short(cp)} (log ends after seq ${this.prevSeq}) — records were removed from the end or the log was rewritten`,
      };
      return this.failure;
    }
    return { ok: true, count: this.prevSeq, lastHash: this.prevHash };
  }
}

/**
 * Verifies a whole log given as its lines (without newlines; split a file's text with splitLogText).
 * Returns every record when intact, else the first bad line. An empty list is a valid empty log.
 */
export function verifyRecords(
  lines: Iterable<string>,
  options: VerifyOptions = {},
): AuditSuccess | AuditFailure {
  const v = new AuditChainVerifier(options);
  const records: AuditRecord[] = [];
  for (const text of lines) {
    const r = v.push(text);
    if (!r.ok) return r;
    records.push(r.record);
  }
  const end = v.finish();
  return end.ok ? { ok: true, records, lastHash: end.lastHash } : end;
}

/**
 * Splits a log's text into lines on `\n` only (a `\r` stays in the line and fails it). A final
 * newline ends the last line rather than starting an empty one; an empty text has no lines.
 */
export function splitLogText(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The helpers as one namespace. */
export const AuditChain = {
  GENESIS_HASH,
  hashRecord,
  sealRecord,
  formatRecord,
  verifyRecords,
  splitLogText,
} as const;
