// fs2json.ts: the 9p file index v86 0.5.462 reads (fs.json version 3) and its content blobs, made
// from a folder. A port of what tools/fs2json.py and tools/copy-to-sha256.py do in the v86
// repository (the npm package lacks them), with one change: blobs are zstd-compressed and named
// <first 8 hex digits of the content's sha256>.bin.zst, which v86 decompresses when it fetches
// them (ServerFileStorageWrapper: a name ending in .zst is decompressed to the inode's size).
//
//   tsx scripts/v86/fs2json.ts --root DIR --out fs.json --blobs CACHE --link OUTDIR [--exclude /p]
//
// Each node is [name, size, mtime, mode, uid, gid, X]: X is the children of a directory, the
// target of a symbolic link, or the blob name of a regular file. Devices, fifos and sockets are
// left out (v86 would ignore them). Children are sorted by name, so the index is reproducible.
import {createHash} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const FS_JSON_VERSION = 3;
export const HASH_LENGTH = 8;

export type FsNode =
  | [string, number, number, number, number, number]
  | [string, number, number, number, number, number, FsNode[] | string];

export interface FsIndex {
  fsroot: FsNode[];
  version: number;
  size: number;
}

/** What buildIndex saw: the index, and every blob name with one file that has that content. */
export interface IndexResult {
  index: FsIndex;
  blobs: Map<string, string>;
}

export function blobName(sha256hex: string): string {
  return `${sha256hex.slice(0, HASH_LENGTH)}.bin.zst`;
}

export function hashFile(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 17);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Walk root (not following symbolic links) into a version 3 index. exclude: paths like /boot. */
export function buildIndex(root: string, exclude: string[] = []): IndexResult {
  const blobs = new Map<string, string>();
  const fullHash = new Map<string, string>();
  const skip = new Set(exclude.map((p) => path.posix.normalize(`/${p}`)));
  let total = 0;

  const node = (abs: string, name: string, st: fs.Stats): FsNode => {
    total += st.size;
    return [name, st.size, Math.floor(st.mtimeMs / 1000), st.mode, st.uid, st.gid];
  };

  const walk = (dir: string, rel: string): FsNode[] => {
    const out: FsNode[] = [];
    for (const name of fs.readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const relPath = `${rel}/${name}`;
      if (skip.has(relPath)) continue;
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) {
        out.push([...node(abs, name, st), walk(abs, relPath)] as FsNode);
      } else if (st.isSymbolicLink()) {
        out.push([...node(abs, name, st), fs.readlinkSync(abs)] as FsNode);
      } else if (st.isFile()) {
        const hash = hashFile(abs);
        const blob = blobName(hash);
        const seen = fullHash.get(blob);
        if (seen !== undefined && seen !== hash) throw new Error(`short hash collision: ${seen} and ${hash}`);
        fullHash.set(blob, hash);
        if (!blobs.has(blob)) blobs.set(blob, abs);
        out.push([...node(abs, name, st), blob] as FsNode);
      }
    }
    return out;
  };

  const fsroot = walk(root, '');
  return {index: {fsroot, version: FS_JSON_VERSION, size: total}, blobs};
}

/** Compress every blob missing from cacheDir (zstd CLI, in batches), then hard-link them into linkDir. */
export function storeBlobs(blobs: Map<string, string>, cacheDir: string, linkDir: string): number {
  fs.mkdirSync(cacheDir, {recursive: true});
  fs.mkdirSync(linkDir, {recursive: true});
  const missing: string[] = [];
  for (const [blob, src] of blobs) {
    if (fs.existsSync(path.join(cacheDir, blob))) continue;
    const raw = path.join(cacheDir, blob.replace(/\.zst$/, ''));
    fs.copyFileSync(src, raw);
    missing.push(raw);
  }
  for (let i = 0; i < missing.length; i += 200) {
    execFileSync('zstd', ['-q', '-f', '--rm', '-12', ...missing.slice(i, i + 200)], {stdio: 'inherit'});
  }
  for (const blob of blobs.keys()) {
    const from = path.join(cacheDir, blob);
    const to = path.join(linkDir, blob);
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
    }
  }
  return missing.length;
}

function main(argv: string[]): void {
  const opts: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key?.startsWith('--') || value === undefined) throw new Error(`usage: fs2json.ts --root DIR --out FILE --blobs DIR --link DIR [--exclude PATH]...`);
    (opts[key.slice(2)] ??= []).push(value);
  }
  const [root] = opts.root ?? [];
  const [out] = opts.out ?? [];
  if (!root || !out) throw new Error('--root and --out are required');
  const {index, blobs} = buildIndex(root, opts.exclude ?? []);
  fs.writeFileSync(out, JSON.stringify(index));
  const [cache] = opts.blobs ?? [];
  const [link] = opts.link ?? [];
  let compressed = 0;
  if (cache && link) compressed = storeBlobs(blobs, cache, link);
  console.error(`[fs2json] ${blobs.size} blobs (${compressed} compressed now), ${index.size} bytes of content, index ${fs.statSync(out).size} bytes`);
}

if (process.argv[1]?.endsWith('fs2json.ts')) {
  main(process.argv.slice(2));
}
