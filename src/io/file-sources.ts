import type { EventSource } from '../runtime/merge.ts';
import { MarketFile, type ReadOptions } from './market-file.ts';

/** Opens each file as a ranked source (rank = position on the command line). */
export async function fileSources(
  paths: readonly string[],
  options: ReadOptions = {},
): Promise<{
  sources: EventSource[];
  files: MarketFile[];
}> {
  const files: MarketFile[] = [];
  for (const p of paths) files.push(await MarketFile.open(p, options));
  const sources = files.map((f, rank) => ({ name: f.path, rank, items: f.items() }));
  return { sources, files };
}
