import { readFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import { parse as parseYaml } from 'yaml';
import { BackstopError } from '../core/errors.ts';
import { validateJson } from '../io/schemas/validate.ts';

/**
 * `backstop serve` configuration (docs/operations.md): defaults, then the config file (YAML or
 * JSON), then environment variables, then command-line flags — each overriding the one before.
 */
export const ServeConfigFileSchema = Type.Object(
  {
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    host: Type.Optional(Type.String({ minLength: 1 })),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    store: Type.Optional(Type.String({ minLength: 1 })),
    policy: Type.Optional(Type.String({ minLength: 1 })),
    snapshotEvery: Type.Optional(Type.Integer({ minimum: 0 })),
    heartbeatMs: Type.Optional(Type.Integer({ minimum: 1 })),
    monitorIntervalMs: Type.Optional(Type.Integer({ minimum: 1 })),
    logLevel: Type.Optional(
      Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    ),
    dashboardDir: Type.Optional(Type.String({ minLength: 1 })),
    venue: Type.Optional(
      Type.Object(
        {
          instruments: Type.String({
            minLength: 1,
            description: 'a JSON file {instruments: [...]} (docs/formats.md)',
          }),
          marginModel: Type.Union([
            Type.Literal('deribit-pm'),
            Type.Literal('span-16'),
            Type.Literal('paradex-pm'),
          ]),
        },
        { additionalProperties: false },
      ),
    ),
    feeds: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Object(
            {
              type: Type.Literal('ws-json'),
              name: Type.String({ minLength: 1 }),
              url: Type.String({ pattern: '^wss?://' }),
            },
            { additionalProperties: false },
          ),
          Type.Object(
            {
              type: Type.Literal('ccxt'),
              name: Type.Optional(Type.String({ minLength: 1 })),
              exchange: Type.String({ minLength: 1 }),
              subscriptions: Type.Array(
                Type.Object(
                  {
                    symbol: Type.String({ minLength: 1 }),
                    instrument: Type.String({ minLength: 1 }),
                    channels: Type.Array(
                      Type.Union([Type.Literal('orderbook'), Type.Literal('trades'), Type.Literal('ticker')]),
                      { minItems: 1 },
                    ),
                    depth: Type.Optional(Type.Integer({ minimum: 1 })),
                  },
                  { additionalProperties: false },
                ),
                { minItems: 1 },
              ),
            },
            { additionalProperties: false },
          ),
        ]),
      ),
    ),
    ingestRateLimit: Type.Optional(
      Type.Object(
        { max: Type.Integer({ minimum: 1 }), timeWindowMs: Type.Integer({ minimum: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ServeConfigFile = Static<typeof ServeConfigFileSchema>;
export type FeedConfig = NonNullable<ServeConfigFile['feeds']>[number];

export interface ServeConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `postgres://…` to use PostgreSQL; absent: SQLite in dataDir. */
  readonly store: string | null;
  /** Policy preset name or file. */
  readonly policy: string;
  readonly snapshotEvery: number;
  readonly heartbeatMs: number;
  readonly monitorIntervalMs: number;
  readonly logLevel: string;
  readonly dashboardDir: string | null;
  readonly ingestRateLimit: { readonly max: number; readonly timeWindowMs: number };
  /**
   * The live venue's instruments and grid margin model (docs/operations.md, "Venue"); null: the
   * backtest venue (BTC-USDC-PERP, IM 5 % / MM 2.5 %).
   */
  readonly venue: {
    readonly instruments: string;
    readonly marginModel: 'deribit-pm' | 'span-16' | 'paradex-pm';
  } | null;
  /** Live market-data feeds (docs/operations.md, "Feeds"). */
  readonly feeds: readonly FeedConfig[];
  readonly replay: {
    readonly files: readonly string[];
    readonly speed: number;
    readonly accounts: number;
    readonly seed: number;
    readonly fromUs?: number;
    readonly toUs?: number;
  } | null;
}

export const SERVE_DEFAULTS: ServeConfig = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: './.backstop',
  store: null,
  policy: 'backstop',
  snapshotEvery: 10_000,
  heartbeatMs: 1_000,
  monitorIntervalMs: 60_000,
  logLevel: 'info',
  dashboardDir: null,
  ingestRateLimit: { max: 100, timeWindowMs: 1_000 },
  venue: null,
  feeds: [],
  replay: null,
};

/** Environment variables and the config key each sets. */
export const SERVE_ENV: Readonly<Record<string, keyof ServeConfigFile>> = {
  BACKSTOP_PORT: 'port',
  BACKSTOP_HOST: 'host',
  BACKSTOP_DATA_DIR: 'dataDir',
  BACKSTOP_STORE: 'store',
  BACKSTOP_POLICY: 'policy',
  BACKSTOP_SNAPSHOT_EVERY: 'snapshotEvery',
  BACKSTOP_HEARTBEAT_MS: 'heartbeatMs',
  BACKSTOP_LOG_LEVEL: 'logLevel',
};

const INTEGER_KEYS = new Set(['port', 'snapshotEvery', 'heartbeatMs', 'monitorIntervalMs']);

export function loadServeConfig(
  file: string | null,
  env: NodeJS.ProcessEnv,
  flags: Partial<Omit<ServeConfig, 'replay'>> & { replay?: ServeConfig['replay'] },
): ServeConfig {
  let fromFile: ServeConfigFile = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new BackstopError('UNREADABLE_FILE', `${file}: cannot read config (${(e as Error).message})`, {
        file,
      });
    }
    let data: unknown;
    try {
      data = parseYaml(text);
    } catch (e) {
      throw new BackstopError('BAD_FIELD', `${file}: not valid YAML (${(e as Error).message})`, { file });
    }
    fromFile = validateJson<ServeConfigFile>(data ?? {}, ServeConfigFileSchema, file, 'serve config');
  }
  const fromEnv: Record<string, string | number> = {};
  for (const [name, key] of Object.entries(SERVE_ENV)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (INTEGER_KEYS.has(key)) {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0)
        throw new BackstopError('BAD_ARGUMENT', `${name}=${v}: expected a non-negative integer`, {
          value: v,
        });
      fromEnv[key] = n;
    } else fromEnv[key] = v;
  }
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<ServeConfig>;
  return { ...SERVE_DEFAULTS, ...defined(fromFile), ...defined(fromEnv), ...defined(flags) } as ServeConfig;
}
