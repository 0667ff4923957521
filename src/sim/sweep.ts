import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Policy } from '../backstop/policy/policy.ts';
import { BackstopError } from '../core/errors.ts';
import type { BarEvent } from '../domain/events.ts';
import { loadPolicyFile, policyFromData } from '../io/policy/load-policy.ts';
import { POLICY_PRESETS } from '../io/policy/presets.ts';
import { type RunOutcome, runBacktest } from './backtest.ts';
import { paretoFront } from './pareto.ts';
import {
  backtestConfig,
  loadOptionSettings,
  runHeader,
  type SimOptions,
  type SimReport,
  windowBars,
} from './run-files.ts';

/**
 * Parameter sweeps (docs/backtesting.md, "Sweeps"): a grid over dotted paths into a policy
 * file's data, `path=v1,v2;path=v1,v2`. Every point is the file with its values applied,
 * validated by the policy loader and run on the same bars, population and seed; the Pareto front
 * is taken over bad debt, ADL notional and false activations, all minimised.
 */

export type GridValue = number | boolean | string;

export interface GridAxis {
  readonly path: string;
  readonly values: readonly GridValue[];
}

/** More points than this is refused: each point is a full backtest. */
export const MAX_SWEEP_POINTS = 1_000;

/**
 * The objectives of the front, all minimised. Bad debt counts what is still open at the end
 * (`openDeficit`) too: otherwise a policy that never closes a bankrupt account would look free.
 */
export function sweepObjectives(o: RunOutcome): [number, number, number] {
  return [o.badDebt + o.openDeficit, o.adlNotional, o.falseActivations];
}

export type SweepPoint = RunOutcome & {
  /** The point's value for every grid path, in grid order. */
  readonly params: Readonly<Record<string, GridValue>>;
  /** On the Pareto front of `sweepObjectives`. */
  readonly pareto: boolean;
};

export interface SweepConfig {
  /** The policy file's data as read from YAML / JSON (not modified). */
  readonly policyData: unknown;
  /** Names the file in the loader's messages. */
  readonly policyFile: string;
  readonly grid: string;
  readonly accounts: number;
  readonly seed: number;
  readonly impact: boolean;
  readonly depthScale?: NonNullable<SimOptions['depthScale']>;
  /** Option writers (default none): see SimOptions. */
  readonly optionShare?: number;
  readonly dvolFile?: string;
  readonly maxPoints?: number;
  /** (0, total, '') before the first run, then after each point: points done, of total, and its label. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface SweepResult {
  readonly grid: readonly GridAxis[];
  readonly points: readonly SweepPoint[];
  /** Indices into points of the Pareto front, ascending. */
  readonly front: readonly number[];
}

export interface SweepReport extends SweepResult {
  readonly options?: SimReport['options'];
  readonly data: readonly string[];
  readonly accounts: number;
  readonly seed: number;
  readonly impact: boolean;
  readonly depthScale: number;
  readonly bars: number;
}

const bad = (message: string, fields: Record<string, string> = {}): never => {
  throw new BackstopError('BAD_ARGUMENT', `grid: ${message}`, fields);
};

const INDEX = /^(0|[1-9]\d*)$/;

/** The path's segments resolved against the data (array indices as numbers); throws if it is not there. */
function resolvePath(data: unknown, path: string): { segments: (string | number)[]; current: unknown } {
  const parts = path.split('.');
  if (parts.some((p) => p === '')) bad(`malformed path "${path}" (an empty segment)`, { path });
  const segments: (string | number)[] = [];
  let node = data;
  for (const [i, p] of parts.entries()) {
    const where = i === 0 ? 'the policy file' : parts.slice(0, i).join('.');
    const missing = (why: string) => bad(`${path} does not exist in the policy file (${why})`, { path });
    if (Array.isArray(node)) {
      if (!INDEX.test(p) || Number(p) >= node.length)
        missing(`${where} is a list of ${node.length}; "${p}" is no index in it`);
      segments.push(Number(p));
      node = node[Number(p)];
    } else if (node !== null && typeof node === 'object') {
      if (!Object.hasOwn(node, p)) missing(`${where} has no "${p}"; add it to the file to sweep it`);
      segments.push(p);
      node = (node as Record<string, unknown>)[p];
    } else {
      missing(`${where} is a value, not a map or list`);
    }
  }
  return { segments, current: node };
}

/**
 * A value's type: a number when it parses as a finite number, `true` / `false` as booleans,
 * otherwise a string. Where the file holds a string (decimal money such as a fund's `opening`,
 * durations), the text stays a string: those fields are strings in the policy format.
 */
function parseValue(text: string, current: unknown): GridValue {
  if (typeof current === 'string') return text;
  if (text === 'true') return true;
  if (text === 'false') return false;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** Parses `path=v1,v2;path=v1,v2` against the policy data: every path must exist in it. */
export function parseGrid(spec: string, data: unknown): GridAxis[] {
  if (spec.trim() === '') bad('empty; expected path=v1,v2;path=v1,v2');
  const axes: GridAxis[] = [];
  const seen: string[] = [];
  for (const entry of spec.split(';')) {
    const e = entry.trim();
    if (e === '') bad(`empty entry in "${spec}" (two ';' in a row or a trailing ';')`);
    const eq = e.indexOf('=');
    if (eq < 0) bad(`malformed entry "${e}": expected path=v1,v2`);
    const path = e.slice(0, eq).trim();
    if (path === '') bad(`malformed entry "${e}": no path before '='`);
    const { segments, current } = resolvePath(data, path);
    const norm = segments.join('.');
    for (const s of seen) {
      if (s === norm) bad(`${path} appears twice`, { path });
      if (norm.startsWith(`${s}.`) || s.startsWith(`${norm}.`)) bad(`${path} overlaps ${s}`, { path });
    }
    seen.push(norm);
    const list = e.slice(eq + 1).trim();
    if (list === '') bad(`${path} has an empty value list`, { path });
    const texts = list.split(',').map((v) => v.trim());
    if (texts.some((t) => t === '')) bad(`${path} has an empty value in "${list}"`, { path });
    const values = texts.map((t) => parseValue(t, current));
    const dup = values.find((v, i) => values.indexOf(v) !== i);
    if (dup !== undefined) bad(`${path} lists the value ${String(dup)} twice`, { path, value: String(dup) });
    axes.push({ path: norm, values });
  }
  return axes;
}

/** Every assignment of the grid's cartesian product; the first path varies slowest. */
export function gridAssignments(axes: readonly GridAxis[]): Record<string, GridValue>[] {
  let out: Record<string, GridValue>[] = [{}];
  for (const a of axes) out = out.flatMap((p) => a.values.map((v) => ({ ...p, [a.path]: v })));
  return out;
}

/** A deep copy of the data with each path set to its value (paths as parseGrid returns them). */
export function applyParams(data: unknown, params: Readonly<Record<string, GridValue>>): unknown {
  const copy = structuredClone(data);
  for (const [path, value] of Object.entries(params)) {
    const { segments } = resolvePath(copy, path);
    let node = copy as Record<string | number, unknown>;
    for (const s of segments.slice(0, -1)) node = node[s] as Record<string | number, unknown>;
    node[segments.at(-1) as string | number] = value;
  }
  return copy;
}

export const pointLabel = (params: Readonly<Record<string, GridValue>>): string =>
  Object.entries(params)
    .map(([p, v]) => `${p}=${String(v)}`)
    .join('; ');

/** The grid's points as validated policies; the first invalid one throws the loader's error. */
export function gridPolicies(cfg: Pick<SweepConfig, 'policyData' | 'policyFile' | 'grid' | 'maxPoints'>): {
  grid: GridAxis[];
  points: { params: Record<string, GridValue>; label: string; policy: Policy }[];
} {
  const grid = parseGrid(cfg.grid, cfg.policyData);
  const max = cfg.maxPoints ?? MAX_SWEEP_POINTS;
  const total = grid.reduce((n, a) => n * a.values.length, 1);
  if (total > max)
    bad(
      `${grid.map((a) => a.values.length).join(' × ')} = ${total} points; a sweep runs at most ${max} (each point is a full backtest)`,
    );
  const points = gridAssignments(grid).map((params) => {
    const label = pointLabel(params);
    const policy = policyFromData(applyParams(cfg.policyData, params), `${cfg.policyFile} [${label}]`);
    return { params, label, policy };
  });
  return { grid, points };
}

/** The error of a point's run, its message prefixed with the point (in a grid of hundreds, which one broke matters). */
function atPoint(e: unknown, i: number, label: string): unknown {
  if (!(e instanceof Error)) return e;
  const message = `sweep point ${i} (${label}): ${e.message}`;
  const w = e instanceof BackstopError ? new BackstopError(e.code, message, e.fields) : new Error(message);
  Object.defineProperty(w, 'cause', { value: e, configurable: true, writable: true });
  return w;
}

/** Runs every grid point on the same bars, population and seed. */
export async function sweepBars(
  cfg: SweepConfig,
  bars: readonly BarEvent[],
  built: ReturnType<typeof gridPolicies> = gridPolicies(cfg),
): Promise<SweepResult> {
  // every point is validated before the first (long) run
  const { grid, points } = built;
  const options = loadOptionSettings(cfg);
  const outcomes: RunOutcome[] = [];
  cfg.onProgress?.(0, points.length, '');
  for (const [i, p] of points.entries()) {
    try {
      outcomes.push(runBacktest(backtestConfig(cfg, bars, p.label, p.policy, null, options)).outcome);
    } catch (e) {
      throw atPoint(e, i, p.label);
    }
    cfg.onProgress?.(i + 1, points.length, p.label);
    // let a progress bar's redraw and signals through between synchronous runs
    await new Promise<void>((r) => setImmediate(r));
  }
  const front = paretoFront(outcomes.map(sweepObjectives));
  const onFront = new Set(front);
  return {
    grid,
    points: outcomes.map((o, i) => ({ ...o, params: points[i]?.params ?? {}, pareto: onFront.has(i) })),
    front,
  };
}

/**
 * The raw data of a policy for sweeping: a preset's own data, or a .yaml / .json file (checked
 * by the loader first, so a broken file reads as it does everywhere else).
 */
export function readPolicyData(nameOrFile: string): { data: unknown; file: string } {
  const preset = POLICY_PRESETS[nameOrFile];
  if (preset) return { data: structuredClone(preset), file: `preset ${nameOrFile}` };
  if (!/\.(ya?ml|json)$/i.test(nameOrFile))
    throw new BackstopError(
      'BAD_ARGUMENT',
      `unknown policy "${nameOrFile}": a preset (${Object.keys(POLICY_PRESETS).join(', ')}) or a .yaml / .json file`,
    );
  loadPolicyFile(nameOrFile);
  const doc = parseDocument(readFileSync(nameOrFile, 'utf8'), { uniqueKeys: true });
  return { data: doc.toJS() as unknown, file: nameOrFile };
}

/** Reads the window's bars from the files and sweeps the grid over them. */
export async function sweep(
  o: SweepConfig & Pick<SimOptions, 'files' | 'fromUs' | 'toUs'>,
): Promise<SweepReport> {
  // the grid is checked before the bars are read: a typo fails fast
  const points = gridPolicies(o);
  loadOptionSettings(o);
  const bars = await windowBars(o);
  return { ...runHeader(o, bars), ...(await sweepBars(o, bars, points)) };
}
