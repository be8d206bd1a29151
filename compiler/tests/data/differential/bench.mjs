#!/usr/bin/env node
// Strudel 1.2.6's query speed over the differential corpus (cases.tsv beside this file): each
// program is evaluated once (not timed), then its span is queried ROUNDS times; prints events
// per second. `cargo bench -p phonon-compiler --bench corpus` measures Phonon the same way.
import { pathToFileURL, fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const oracle = process.env.PHONON_ORACLE || join(here, '../../../../../shared/oracle');
process.env.ORACLE_QUIET = '1';
const lib = await import(pathToFileURL(join(oracle, 'lib.mjs')).href);
const ROUNDS = 20;

const programs = [];
for (const line of readFileSync(join(here, 'cases.tsv'), 'utf8').split('\n')) {
  if (!line || line.startsWith('#')) continue;
  const [, , js, from, to] = line.split('\t');
  programs.push([await lib.evalPattern(js), lib.parseTime(from), lib.parseTime(to)]);
}
const times = [];
let events = 0;
for (let round = 0; round <= ROUNDS; round++) {
  const start = process.hrtime.bigint();
  let n = 0;
  for (const [p, from, to] of programs) n += lib.queryHaps(p, from, to).length;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  if (round > 0) times.push(secs);
  events = n;
}
times.sort((a, b) => a - b);
const median = times[ROUNDS >> 1];
console.error(
  `corpus (Strudel 1.2.6): ${programs.length} programs, ${events} events a round, ${ROUNDS} rounds: ` +
    `median ${(median * 1e3).toFixed(2)} ms a round (min ${(times[0] * 1e3).toFixed(2)}, max ${(times[ROUNDS - 1] * 1e3).toFixed(2)}), ` +
    `${Math.round(events / median)} events/s`,
);
