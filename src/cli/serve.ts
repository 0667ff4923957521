import { Command, Option } from 'commander';
import { BackstopError } from '../core/errors.ts';
import { loadServeConfig } from '../server/config.ts';
import { startServer } from '../server/serve.ts';
import { isoUs } from './backtest.ts';
import type { Io } from './output.ts';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new BackstopError('BAD_ARGUMENT', `${name} ${v}: expected an integer ≥ 0`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n))
    throw new BackstopError('BAD_ARGUMENT', `${name} ${v}: expected a number > 0`);
  return n;
};

interface ServeOpts {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  store?: string;
  policy?: string;
  replay?: string[];
  speed: number;
  accounts: number;
  seed: number;
  from?: number;
  to?: number;
}

/**
 * `backstop serve`: the engine live behind the HTTP / WebSocket API and the dashboard
 * (docs/operations.md). Runs until SIGTERM or SIGINT, then shuts down gracefully: no new
 * requests, the batch in flight stored, the store closed. `stop` resolves when it is down.
 */
export function serveCommand(io: Io, onStarted?: (url: string, stop: () => Promise<void>) => void): Command {
  return new Command('serve')
    .description('Runs the engine as a service: HTTP + WebSocket API, metrics and the dashboard')
    .option('--config <file>', 'configuration file (YAML or JSON, docs/operations.md)')
    .option('--port <n>', 'port to listen on (0: any free port; default 8080)', int('--port'))
    .option('--host <addr>', 'address to listen on (default 127.0.0.1)')
    .option('--data-dir <dir>', 'state directory (default $BACKSTOP_DATA_DIR or ./.backstop)')
    .option('--store <url>', 'postgres://… to keep the state in PostgreSQL instead of SQLite')
    .option('--policy <name|file>', 'backstop policy preset or file (default backstop)')
    .option('--replay <files...>', 'replay these OHLCV files through the live service (demos, drills, tests)')
    .addOption(
      new Option('--speed <x>', 'replay speed as a multiple of real time')
        .default(60)
        .argParser(positive('--speed')),
    )
    .addOption(
      new Option('--accounts <n>', 'replay: population size').default(1_000).argParser(int('--accounts')),
    )
    .addOption(new Option('--seed <s>', 'replay: population seed').default(1).argParser(int('--seed')))
    .option('--from <iso>', 'replay: first bar time (UTC, ISO 8601), inclusive', isoUs('from'))
    .option('--to <iso>', 'replay: end of the window (UTC, ISO 8601), exclusive', isoUs('to'))
    .action(async (o: ServeOpts) => {
      const config = loadServeConfig(o.config ?? null, process.env, {
        ...(o.port === undefined ? {} : { port: o.port }),
        ...(o.host === undefined ? {} : { host: o.host }),
        ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
        ...(o.store === undefined ? {} : { store: o.store }),
        ...(o.policy === undefined ? {} : { policy: o.policy }),
        ...(o.replay
          ? {
              replay: {
                files: o.replay,
                speed: o.speed,
                accounts: o.accounts,
                seed: o.seed,
                ...(o.from === undefined ? {} : { fromUs: o.from }),
                ...(o.to === undefined ? {} : { toUs: o.to }),
              },
            }
          : {}),
      });
      const server = await startServer(config);
      io.err.write(`backstop: serving on ${server.url} (dashboard at ${server.url}/)\n`);
      let resolveDown: () => void = () => {};
      const down = new Promise<void>((r) => {
        resolveDown = r;
      });
      const stop = async () => {
        await server.close();
        resolveDown();
      };
      const onSignal = () => void stop();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      onStarted?.(server.url, stop);
      await down;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
}
