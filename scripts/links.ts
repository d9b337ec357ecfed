// npm run links:sync            add cited URLs missing from docs/links.json (status "new"), drop uncited ones
// npm run links:check [-- TEXT]  re-check every listed URL (or those containing TEXT) online and record it
//
// The check asks each URL with HEAD, then GET when HEAD is refused or fails, 15 s timeout each,
// 8 at a time, following redirects. A 2xx answer records status "ok", method "http <status>" and
// today's date; a 4xx/5xx answer records status "unchecked" with the answer in the note (fix or
// replace that citation in its page). A host that cannot be reached at all (DNS, refused, timeout:
// e.g. a machine without internet access) is reported as unreachable and its entries are left
// as they were: that says nothing about the link. See src/lib/links.ts and CONTRIBUTING.md.
import path from 'node:path';
import {citedUrls, readLinks, syncLinks, writeLinks, type LinkList} from '../src/lib/links';

const TIMEOUT_MS = 15_000;
const CONCURRENCY = 8;
const USER_AGENT = 'containers-from-scratch link check (+https://github.com/)';

type Outcome = {url: string; kind: 'ok' | 'broken' | 'unreachable'; status?: number; detail: string};

const today = (): string => new Date().toISOString().slice(0, 10);

async function ask(url: string, method: 'HEAD' | 'GET'): Promise<number> {
  const response = await fetch(url, {
    method,
    redirect: 'follow',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: {'user-agent': USER_AGENT, accept: 'text/html,*/*'},
  });
  await response.body?.cancel();
  return response.status;
}

/** The network-level reason of a failed fetch (undici puts it in cause), as one short string. */
function networkReason(e: unknown): string {
  const err = e as {name?: string; message?: string; cause?: {code?: string; message?: string}};
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

async function checkOne(url: string): Promise<Outcome> {
  let status: number | undefined;
  try {
    status = await ask(url, 'HEAD');
  } catch {
    // Some servers drop HEAD; the GET below tells a dead host from a picky one.
  }
  if (status === undefined || status >= 400) {
    try {
      status = await ask(url, 'GET');
    } catch (e) {
      if (status === undefined) return {url, kind: 'unreachable', detail: networkReason(e)};
    }
  }
  if (status !== undefined && status < 400) return {url, kind: 'ok', status, detail: `http ${status}`};
  return {url, kind: 'broken', status, detail: `http ${status}`};
}

async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>, onDone: (r: R) => void): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const runners = Array.from({length: Math.min(size, items.length)}, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const r = await work(item);
      results.push(r);
      onDone(r);
    }
  });
  await Promise.all(runners);
  return results;
}

async function check(root: string, filter: string | undefined): Promise<number> {
  const links: LinkList = readLinks(root);
  const urls = Object.keys(links).filter((u) => !filter || u.includes(filter));
  if (urls.length === 0) {
    console.error(`links:check: no listed URL${filter ? ` contains "${filter}"` : ''}; run npm run links:sync first`);
    return 2;
  }
  console.error(`links:check: ${urls.length} URLs, ${CONCURRENCY} at a time, ${TIMEOUT_MS / 1000} s timeout`);
  const outcomes = await pool(urls, CONCURRENCY, checkOne, (o) => {
    if (o.kind !== 'ok') console.error(`  ${o.kind.padEnd(11)} ${o.url} (${o.detail})`);
  });
  const date = today();
  for (const o of outcomes) {
    if (o.kind === 'ok') links[o.url] = {status: 'ok', checked: date, method: `http ${o.status}`};
    else if (o.kind === 'broken')
      links[o.url] = {status: 'unchecked', checked: date, method: `http ${o.status}`, note: `answered http ${o.status}: fix or replace the citation`};
  }
  writeLinks(root, links);

  const count = (k: Outcome['kind']): Outcome[] => outcomes.filter((o) => o.kind === k);
  const unreachable = count('unreachable');
  const hosts = new Map<string, string>();
  for (const o of unreachable) hosts.set(new URL(o.url).host, o.detail);
  console.log(`ok: ${count('ok').length}  broken: ${count('broken').length}  unreachable: ${unreachable.length}`);
  if (hosts.size > 0) {
    console.log(`unreachable hosts (entries left as they were; this is the network, not the link):`);
    for (const [host, why] of [...hosts].sort()) console.log(`  ${host}: ${why}`);
  }
  if (unreachable.length === urls.length)
    console.log('no host answered: this machine has no internet access, nothing was re-checked (see CONTRIBUTING.md)');
  return count('broken').length > 0 ? 1 : unreachable.length > 0 ? 3 : 0;
}

function sync(root: string): number {
  const links = readLinks(root);
  const {added, dropped} = syncLinks(links, citedUrls(root));
  writeLinks(root, links);
  for (const u of added) console.log(`added (status new: check it, then set status/checked/method): ${u}`);
  for (const u of dropped) console.log(`dropped (no page cites it): ${u}`);
  console.log(`links:sync: ${added.length} added, ${dropped.length} dropped, ${Object.keys(links).length} listed`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const root = path.resolve(__dirname, '..');
  const [command, filter] = argv;
  if (command === 'sync') return sync(root);
  if (command === 'check') return check(root, filter);
  console.error('usage: npm run links:sync | npm run links:check [-- TEXT]');
  return 2;
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
