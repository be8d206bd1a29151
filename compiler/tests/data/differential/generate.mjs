#!/usr/bin/env node
// Differential cases: random pattern programs written twice, in Phonon and in Strudel 1.2.6,
// with the events the Strudel oracle (../shared/oracle) gives for each. The test
// `compiler/tests/differential.rs` queries the Phonon side and compares; it needs no Node.
//
//   node generate.mjs [--count N] [--seed S] [--out DIR]
//
// Writes DIR/cases.tsv (id, Phonon, Strudel, from, to) and DIR/expected.tsv (id, event JSON per
// line, as the oracle prints it). Defaults: 2000 cases, seed 1, this folder. The programs are
// mini-notation with every operator nested up to depth 4, inside chains of up to 4 transforms
// with random, fractional and patterned arguments. A program Strudel refuses, or one with more
// than MAX_EVENTS events, is drawn again (same seed, same cases).
import { pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const oracle = process.env.PHONON_ORACLE || join(here, '../../../../../shared/oracle');
process.env.ORACLE_QUIET = '1';
const lib = await import(pathToFileURL(join(oracle, 'lib.mjs')).href);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const COUNT = Number(opt('--count', 2000));
const SEED = Number(opt('--seed', 1));
const OUT = opt('--out', here);
const MAX_EVENTS = 48;

// mulberry32: a small, well-mixed 32-bit generator; the same seed gives the same cases.
let state = SEED >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const chance = (p) => random() < p;

// ---- mini-notation ---------------------------------------------------------------------------
// kind: 'word' (a b c ...), 'num' (0 1 2 ...), 'sample' (bd sn ..., with :n tails).
function atom(kind) {
  if (kind === 'num') return String(int(0, 9));
  if (kind === 'sample') {
    const w = pick(['bd', 'sn', 'hh', 'cp', 'arpy']);
    return chance(0.15) ? `${w}:${int(0, 3)}` : w;
  }
  return pick(['a', 'b', 'c', 'd', 'e']);
}

const factor = () => pick(['2', '3', '2', '1.5', '0.5', '<2 3>', '<1 2>', '[2 3]', '2.5', '<2 [1 3]>']);

function modifiers(depth) {
  let s = '';
  const n = chance(0.5) ? 0 : chance(0.7) ? 1 : 2;
  for (let i = 0; i < n; i++) {
    switch (int(0, 9)) {
      case 0:
      case 1:
        s += '*' + factor();
        break;
      case 2:
        s += '/' + pick(['2', '3', '1.5', '<1 2>', '0.5']);
        break;
      case 3:
        s += '!' + pick(['2', '3']);
        break;
      case 4:
        s += '@' + pick(['2', '3', '1.5', '0.5']);
        break;
      case 5:
        s += pick(['?', '?0.3', '?0.7']);
        break;
      case 6: {
        const k = pick(['3', '5', '-3', '2', '<3 5>']);
        const steps = pick(['8', '8', '7', '16', '<8 4>']);
        s += chance(0.4) ? `(${k},${steps},${pick(['1', '2', '-1', '<0 2>'])})` : `(${k},${steps})`;
        break;
      }
      case 7:
        if (depth < 3) s += '!';
        break;
      default:
        break;
    }
  }
  return s;
}

function element(kind, depth) {
  const leaf = depth >= 4 || chance(0.5 + depth * 0.12);
  if (leaf) return chance(0.1) ? '~' : atom(kind);
  switch (int(0, 7)) {
    case 0:
    case 1:
      return `[${sequence(kind, depth + 1)}]`;
    case 2:
      return `<${sequence(kind, depth + 1)}>`;
    case 3: {
      const n = int(2, 3);
      const body = Array.from({ length: n }, () => sequence(kind, depth + 1)).join(', ');
      return chance(0.5) ? `{${body}}` : `{${body}}%${pick(['2', '3', '4', '5', '<2 4>'])}`;
    }
    case 4:
      return `[${sequence(kind, depth + 1)}, ${sequence(kind, depth + 1)}]`;
    case 5:
      return `[${sequence(kind, depth + 1)} | ${sequence(kind, depth + 1)}]`;
    case 6:
      if (kind === 'num') {
        const a = int(0, 4);
        const b = int(0, 5);
        return `[${a} .. ${b}]`;
      }
      return `[${sequence(kind, depth + 1)} . ${sequence(kind, depth + 1)}]`;
    default:
      return `<${sequence(kind, depth + 1)}, ${sequence(kind, depth + 1)}>`;
  }
}

function sequence(kind, depth) {
  const n = int(1, depth === 0 ? 4 : 3);
  const steps = [];
  for (let i = 0; i < n; i++) {
    steps.push(element(kind, depth) + modifiers(depth));
    if (chance(0.06)) steps.push('_');
  }
  return steps.join(' ');
}

const mini = (kind) => `"${sequence(kind, 0)}"`;

// ---- transforms ------------------------------------------------------------------------------
// Each transform is { ph: the Phonon transform (a value: `(fast 2)`), js: a method call suffix }.
const time = () =>
  pick([
    { ph: '0.25', js: '0.25' },
    { ph: '0.125', js: '0.125' },
    { ph: '(1/3)', js: '1/3' },
    { ph: '0.5', js: '0.5' },
    { ph: '"<0 0.25>"', js: '"<0 0.25>"' },
    { ph: '"0 0.125"', js: '"0 0.125"' },
  ]);
const speed = () =>
  pick([
    { ph: '2', js: '2' },
    { ph: '3', js: '3' },
    { ph: '1.5', js: '1.5' },
    { ph: '(1/2)', js: '1/2' },
    { ph: '"<1 2>"', js: '"<1 2>"' },
    { ph: '"1 2"', js: '"1 2"' },
    { ph: '"<2 [1 3]>"', js: '"<2 [1 3]>"' },
  ]);
const count = () => pick(['2', '3', '4']);
const prob = () => pick(['0.3', '0.5', '0.7', '"<0.2 0.8>"']);
const wrap = (t) => (t.atomic || /^[A-Za-z]+$/.test(t.ph) ? t.ph : `(${t.ph})`);

// ctx: { kind, controls } — what the values are; controls: events are control maps (s/n).
function transform(ctx, depth) {
  const simple = [
    () => {
      const x = speed();
      return { ph: `fast ${x.ph}`, js: `.fast(${x.js})` };
    },
    () => {
      const x = speed();
      return { ph: `slow ${x.ph}`, js: `.slow(${x.js})` };
    },
    () => ({ ph: 'rev', js: '.rev()' }),
    () => {
      const t = time();
      return chance(0.5) ? { ph: `early ${t.ph}`, js: `.early(${t.js})` } : { ph: `(${t.ph} <~)`, js: `.early(${t.js})`, atomic: true };
    },
    () => {
      const t = time();
      return chance(0.5) ? { ph: `late ${t.ph}`, js: `.late(${t.js})` } : { ph: `(${t.ph} ~>)`, js: `.late(${t.js})`, atomic: true };
    },
    () => {
      const n = count();
      return chance(0.5) ? { ph: `iter ${n}`, js: `.iter(${n})` } : { ph: `iterBack ${n}`, js: `.iterBack(${n})` };
    },
    () => ({ ph: 'palindrome', js: '.palindrome()' }),
    () => {
      const n = pick(['2', '3', '"<1 2>"', '1.5']);
      return { ph: `ply ${n}`, js: `.ply(${n})` };
    },
    () => {
      const p = pick(['0.3', '0.5', '0.7']);
      return { ph: `degradeBy ${p}`, js: `.degradeBy(${p})` };
    },
    () => {
      const [k, n] = pick([['3', '8'], ['5', '8'], ['2', '5'], ['"<3 5>"', '8']]);
      if (chance(0.4)) {
        const r = pick(['1', '2', '3']);
        return { ph: `euclidRot ${k} ${n} ${r}`, js: `.euclidRot(${k}, ${n}, ${r})` };
      }
      return { ph: `euclid ${k} ${n}`, js: `.euclid(${k}, ${n})` };
    },
    () => {
      const t = pick([{ ph: '0.25', js: '0.25' }, { ph: '0.5', js: '0.5' }, { ph: '(1/3)', js: '1/3' }, { ph: '"<0.25 0.5>"', js: '"<0.25 0.5>"' }]);
      return { ph: `linger ${t.ph}`, js: `.linger(${t.js})` };
    },
    () => {
      const n = pick(['2', '4', '"<2 4>"']);
      return { ph: `segment ${n}`, js: `.segment(${n})` };
    },
    () => {
      const x = pick([{ ph: '(1/3)', js: '1/3' }, { ph: '0.25', js: '0.25' }]);
      const n = pick(['2', '4']);
      return { ph: `swingBy ${x.ph} ${n}`, js: `.swingBy(${x.js}, ${n})` };
    },
    () => {
      const m = pick(['"1 0 1 1"', '"<1 [0 1]>"', '"1 [0 1]"']);
      return { ph: `mask ${m}`, js: `.mask(${m})` };
    },
  ];
  const higher = [
    () => {
      const n = pick(['2', '3', '"<2 3>"']);
      const f = inner(ctx, depth);
      return { ph: `every ${n} ${f.ph}`, js: `.every(${n}, ${f.js})` };
    },
    () => {
      const n = pick(['2', '3']);
      const f = inner(ctx, depth);
      return { ph: `lastOf ${n} ${f.ph}`, js: `.lastOf(${n}, ${f.js})` };
    },
    () => {
      const t = pick([{ ph: '0.25', js: '0.25' }, { ph: '0.125', js: '0.125' }, { ph: '(1/3)', js: '1/3' }]);
      const f = inner(ctx, depth);
      return { ph: `off ${t.ph} ${f.ph}`, js: `.off(${t.js}, ${f.js})` };
    },
    () => {
      const f = inner(ctx, depth);
      return { ph: `superimpose ${f.ph}`, js: `.superimpose(${f.js})` };
    },
    () => {
      const f = inner(ctx, depth);
      const [name, js] = pick([
        ['sometimes', 'sometimes'],
        ['often', 'often'],
        ['rarely', 'rarely'],
        [`sometimesBy ${prob()}`, null],
      ]);
      if (js) return { ph: `${name} ${f.ph}`, js: `.${js}(${f.js})` };
      const p = name.slice('sometimesBy '.length);
      return { ph: `${name} ${f.ph}`, js: `.sometimesBy(${p}, ${f.js})` };
    },
    () => {
      const n = pick(['2', '4']);
      const f = inner(ctx, depth);
      return chance(0.5) ? { ph: `chunk ${n} ${f.ph}`, js: `.chunk(${n}, ${f.js})` } : { ph: `chunkBack ${n} ${f.ph}`, js: `.chunkBack(${n}, ${f.js})` };
    },
    () => {
      const n = pick(['2', '4']);
      const f = inner(ctx, depth);
      return chance(0.5) ? { ph: `inside ${n} ${f.ph}`, js: `.inside(${n}, ${f.js})` } : { ph: `outside ${n} ${f.ph}`, js: `.outside(${n}, ${f.js})` };
    },
  ];
  const numeric = [
    () => {
      const [op, js] = pick([['|+', 'add'], ['|-', 'sub'], ['|*', 'mul']]);
      const v = pick(['10', '"<0 3>"', '"1 2"', '2']);
      return { ph: `(${op} ${v})`, js: `.${js}(${v})`, atomic: true };
    },
    () => {
      const v = pick(['"10 20"', '"<0 12>"', '"1 2 3"']);
      const [op, js] = pick([['+|', 'add.out'], ['|+|', 'add.mix'], ['+', 'add.mix']]);
      return { ph: `(${op} ${v})`, js: `.${js}(${v})`, atomic: true };
    },
    () => ({ ph: 'range 1 5', js: '.range(1, 5)' }),
  ];
  const maps = [
    () => {
      const f = inner(ctx, depth);
      return { ph: `jux ${f.ph}`, js: `.jux(${f.js})` };
    },
    () => {
      const [c, t, fb] = pick([['3', '0.125', '0.5'], ['2', '(1/3)', '0.7'], ['4', '0.25', '0.8']]);
      return chance(0.5)
        ? { ph: `echo ${c} ${t} ${fb}`, js: `.echo(${c}, ${t.replace(/[()]/g, '')}, ${fb})` }
        : { ph: `stut ${c} ${fb} ${t}`, js: `.stut(${c}, ${fb}, ${t.replace(/[()]/g, '')})` };
    },
    () => {
      const n = pick(['2', '"<1 2>"']);
      return { ph: `hurry ${n}`, js: `.hurry(${n})` };
    },
    () => {
      const v = pick(['0.5', '"0.2 0.8"', '"<1 0.5>"']);
      return { ph: `(# gain ${v})`, js: `.gain(${v})`, atomic: true };
    },
  ];
  let pool = simple;
  if (depth < 2) pool = pool.concat(higher, higher);
  if (ctx.kind === 'num' && !ctx.controls) pool = pool.concat(numeric);
  if (ctx.controls) pool = pool.concat(maps);
  if (ctx.kind === 'sample' && ctx.controls) {
    pool = pool.concat([
      () => {
        const n = pick(['2', '3', '"<2 4>"']);
        return chance(0.5) ? { ph: `chop ${n}`, js: `.chop(${n})` } : { ph: `striate ${n}`, js: `.striate(${n})` };
      },
    ]);
  }
  return pick(pool)();
}

// A transform given as an argument: a name, a parenthesised application, or a composition.
function inner(ctx, depth) {
  const t = transform(ctx, depth + 1);
  if (chance(0.2)) {
    const u = transform(ctx, depth + 1);
    return { ph: `(${t.ph} . ${u.ph})`, js: `x => x${u.js}${t.js}` };
  }
  return { ph: wrap(t), js: `x => x${t.js}` };
}

// ---- programs --------------------------------------------------------------------------------
function program() {
  const kind = pick(['word', 'num', 'num', 'sample']);
  const controls = kind === 'sample' || (kind === 'num' && chance(0.4));
  const ctx = { kind, controls };
  const m = mini(kind);
  let ph;
  let js;
  if (kind === 'sample') {
    ph = `s ${m}`;
    js = `s(${m})`;
  } else if (controls) {
    ph = `n ${m}`;
    js = `n(${m})`;
  } else {
    ph = m;
    js = m;
  }
  const chain = [];
  for (let i = int(0, 4); i > 0; i--) chain.push(transform(ctx, 0));
  // Phonon applies `f $ g $ p` as f (g p); Strudel's p.g().f().
  const phChain = chain.map((t) => t.ph);
  if (phChain.length) ph = `${phChain.join(' $ ')} $ ${ph}`;
  js += chain
    .slice()
    .reverse()
    .map((t) => t.js)
    .join('');
  const span = pick([
    ['0', '1'],
    ['0', '2'],
    ['1/3', '7/4'],
    ['3', '4'],
    ['5', '7'],
    ['1/2', '3/2'],
  ]);
  return { ph, js, from: span[0], to: span[1] };
}

const cases = [];
const expected = [];
let drawn = 0;
let refused = 0;
let large = 0;
while (cases.length < COUNT) {
  drawn++;
  const p = program();
  let lines;
  try {
    const pattern = await lib.evalPattern(p.js);
    const haps = lib.queryHaps(pattern, lib.parseTime(p.from), lib.parseTime(p.to));
    if (haps.length > MAX_EVENTS) {
      large++;
      continue;
    }
    lines = lib.canonicalLines(haps);
  } catch {
    refused++;
    continue;
  }
  const id = `d${String(cases.length + 1).padStart(5, '0')}`;
  cases.push([id, p.ph, p.js, p.from, p.to].join('\t'));
  for (const l of lines) expected.push(`${id}\t${l.line ?? l}`);
}
const header = `# id\tPhonon\tStrudel 1.2.6\tfrom\tto  (generated by generate.mjs --count ${COUNT} --seed ${SEED})\n`;
writeFileSync(join(OUT, 'cases.tsv'), header + cases.join('\n') + '\n');
writeFileSync(join(OUT, 'expected.tsv'), expected.join('\n') + '\n');
process.stderr.write(
  `${cases.length} cases, ${expected.length} events (${drawn} drawn: ${refused} refused by Strudel, ${large} over ${MAX_EVENTS} events)\n`,
);
