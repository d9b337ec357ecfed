#!/usr/bin/env node
// record-verified.mjs: merge one bats TAP run of tests/labs.bats into labs/verified-on.json, the
// record of the environments where each lab passed every test.
//
//   node scripts/vm/record-verified.mjs --tap FILE [--env host] [--kernel K] [--cgroup v2|v1/hybrid]
//                                       [--date YYYY-MM-DD] [--out labs/verified-on.json]
//
// --env names the environment (host, vm, ...); --kernel defaults to this machine's `uname -r`,
// --cgroup to what /sys/fs/cgroup is here, --date to today (UTC). For every lab in the TAP
// (a test named "<topic>/<lab>: ..."), the entry for --env is replaced: it is written when all of
// the lab's tests passed (a skip does not count as a pass) and removed otherwise. Labs absent
// from the TAP keep their entries; labs whose folder is gone are dropped. When the TAP is cut
// short (fewer results than its 1..N plan), its last lab is left alone. Output is sorted so
// the committed file diffs cleanly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CGROUP2_SUPER_MAGIC = 0x63677270;

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (!key.startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`bad argument '${key}' (expected --name value pairs)`);
    }
    args[key.slice(2)] = argv[i + 1];
  }
  for (const key of Object.keys(args)) {
    if (!['tap', 'env', 'kernel', 'cgroup', 'date', 'out'].includes(key)) {
      throw new Error(`unknown option --${key}`);
    }
  }
  if (!args.tap) throw new Error('--tap FILE is required');
  return args;
}

function hostCgroup() {
  try {
    return fs.statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC ? 'v2' : 'v1/hybrid';
  } catch {
    return 'unknown';
  }
}

// Map lab -> {total, passed}; the last lab is dropped when the run was cut short.
export function parseTap(text) {
  const labs = new Map();
  let plan = null;
  let results = 0;
  let last = null;
  for (const line of text.split(/\r?\n/)) {
    const planMatch = /^1\.\.(\d+)$/.exec(line);
    if (planMatch) {
      plan = Number(planMatch[1]);
      continue;
    }
    const m = /^(ok|not ok) \d+ (.*)$/.exec(line);
    if (!m) continue;
    results++;
    let description = m[2];
    const skipped = /\s#\s*skip\b/i.test(description);
    description = description.replace(/\s#\s*(skip|todo)\b.*$/i, '').replace(/ in \d+ms$/, '');
    const lab = /^([\w.-]+\/[\w.-]+): /.exec(description)?.[1];
    if (!lab) continue;
    const entry = labs.get(lab) ?? {total: 0, passed: 0};
    entry.total++;
    if (m[1] === 'ok' && !skipped) entry.passed++;
    labs.set(lab, entry);
    last = lab;
  }
  if ((plan === null || results < plan) && last !== null) labs.delete(last);
  return labs;
}

function sortedRecord(record) {
  const out = {};
  for (const lab of Object.keys(record).sort()) {
    const envs = record[lab]
      .map(({env, kernel, cgroup, date}) => ({env, kernel, cgroup, date}))
      .sort((a, b) => (a.env < b.env ? -1 : a.env > b.env ? 1 : 0));
    if (envs.length) out[lab] = envs;
  }
  return out;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const out = path.resolve(args.out ?? path.join(repo, 'labs/verified-on.json'));
  const environment = {
    env: args.env ?? 'host',
    kernel: args.kernel ?? os.release(),
    cgroup: args.cgroup ?? hostCgroup(),
    date: args.date ?? new Date().toISOString().slice(0, 10),
  };
  const results = parseTap(fs.readFileSync(args.tap, 'utf8'));
  const record = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : {};

  const summary = [];
  for (const [lab, {total, passed}] of results) {
    const kept = (record[lab] ?? []).filter((e) => e.env !== environment.env);
    const ok = total > 0 && passed === total;
    record[lab] = ok ? [...kept, environment] : kept;
    summary.push(`${lab}: ${ok ? 'verified' : `not verified (${passed}/${total} passed)`}`);
  }
  const labsDir = path.join(repo, 'labs');
  for (const lab of Object.keys(record)) {
    if (!fs.existsSync(path.join(labsDir, lab, 'run.sh'))) delete record[lab];
  }
  fs.writeFileSync(out, `${JSON.stringify(sortedRecord(record), null, 2)}\n`);
  for (const line of summary) process.stderr.write(`[record-verified] ${environment.env}: ${line}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`[record-verified] error: ${error.message}\n`);
  process.exit(1);
}
