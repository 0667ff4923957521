// Recovery child: resumes from the journal at argv[2] and processes events up to argv[3].
import { JournaledEngine, stateHash } from '../../src/io/journal/journaled-engine.ts';
import { eventAt, newEngine } from './stream.ts';

const [path, totalText] = process.argv.slice(2);
const total = Number(totalText);
const j = JournaledEngine.open(path as string, newEngine, { snapshotEvery: 2_000 });
for (let i = j.eventCount; i < total; i++) {
  j.handle(eventAt(i));
  // progress on the (synchronous) stdout pipe lets the parent kill at a chosen point
  if (i % 250 === 0) process.stdout.write(`p ${i}\n`);
}
j.close();
process.stdout.write(
  `done ${JSON.stringify({ replayed: j.replayed, fromSnapshot: j.restart.fromSnapshot?.events ?? null, torn: j.tornTail !== null, hash: stateHash(j.engine) })}\n`,
);
