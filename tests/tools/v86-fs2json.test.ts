import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {FS_JSON_VERSION, blobName, buildIndex, type FsNode} from '../../scripts/v86/fs2json';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfs-v86-fs2json-'));
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

fs.mkdirSync(path.join(dir, 'etc'));
fs.mkdirSync(path.join(dir, 'boot'));
fs.writeFileSync(path.join(dir, 'etc', 'hostname'), 'cfs-browser\n');
fs.writeFileSync(path.join(dir, 'etc', 'copy'), 'cfs-browser\n');
fs.writeFileSync(path.join(dir, 'boot', 'vmlinuz'), 'kernel');
fs.symlinkSync('etc/hostname', path.join(dir, 'link'));
fs.chmodSync(path.join(dir, 'etc', 'hostname'), 0o640);

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const find = (nodes: FsNode[], name: string) => nodes.find((n) => n[0] === name);

describe('fs2json (v86 fs.json version 3)', () => {
  it('indexes directories, files and symbolic links like tools/fs2json.py', () => {
    const {index, blobs} = buildIndex(dir, ['/boot']);
    expect(index.version).toBe(FS_JSON_VERSION);
    expect(index.fsroot.map((n) => n[0])).toEqual(['etc', 'link']);
    const etc = find(index.fsroot, 'etc');
    expect(etc?.[3]! & 0o170000).toBe(0o040000);
    const children = etc?.[6] as FsNode[];
    const host = find(children, 'hostname')!;
    expect(host[1]).toBe(12);
    expect(host[3]).toBe(0o100640);
    expect(host[6]).toBe(`${sha('cfs-browser\n').slice(0, 8)}.bin.zst`);
    // Equal content, one blob.
    expect(find(children, 'copy')![6]).toBe(host[6]);
    expect(blobs.size).toBe(1);
    const link = find(index.fsroot, 'link')!;
    expect(link[3] & 0o170000).toBe(0o120000);
    expect(link[6]).toBe('etc/hostname');
    expect(index.size).toBeGreaterThanOrEqual(24);
  });

  it('names blobs by the first 8 hex digits of the sha256, with .zst for v86 to decompress', () => {
    expect(blobName('0123456789abcdef')).toBe('01234567.bin.zst');
  });
});
