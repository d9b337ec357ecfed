import {describe, expect, it} from 'vitest';
import {chapterKey, countDone, createProgressStore, labKey, parseProgress, serializeProgress, STORAGE_KEY, withDone} from './progress';

/** localStorage as a Map. */
function memoryStorage(): Storage & {data: Map<string, string>} {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  } as unknown as Storage & {data: Map<string, string>};
}

describe('reader progress', () => {
  it('names chapters by doc id and labs by folder', () => {
    expect(chapterKey('silos-isolation/pid-namespace')).toBe('chapter:silos-isolation/pid-namespace');
    expect(labKey('silos/pid-ns')).toBe('lab:silos/pid-ns');
  });

  it('round-trips what is done through its stored form', () => {
    const p = withDone(withDone(parseProgress(null), 'lab:b', true), 'chapter:a', true);
    expect(serializeProgress(p)).toBe('{"done":["chapter:a","lab:b"]}');
    expect([...parseProgress(serializeProgress(p))].sort()).toEqual(['chapter:a', 'lab:b']);
    expect([...withDone(p, 'lab:b', false)]).toEqual(['chapter:a']);
  });

  it('reads anything unreadable as no progress, never as an error', () => {
    for (const raw of [undefined, '', 'not json', '{"done":"x"}', '[1,2]', 'null', '{"done":[1,"lab:a"]}']) {
      expect(() => parseProgress(raw)).not.toThrow();
    }
    expect([...parseProgress('{"done":[1,"lab:a"]}')]).toEqual(['lab:a']);
    expect(parseProgress('not json').size).toBe(0);
  });

  it('counts what is done among a part’s chapters or labs', () => {
    const p = parseProgress('{"done":["chapter:a","chapter:c"]}');
    expect(countDone(p, ['chapter:a', 'chapter:b', 'chapter:c'])).toEqual({done: 2, total: 3});
    expect(countDone(p, [])).toEqual({done: 0, total: 0});
  });

  it('the store keeps marks in storage, tells its listeners, and gives a stable snapshot', () => {
    const storage = memoryStorage();
    const store = createProgressStore(() => storage);
    let calls = 0;
    const stop = store.subscribe(() => calls++);
    const before = store.getSnapshot();
    expect(store.getSnapshot()).toBe(before);
    store.set('chapter:a', true);
    expect(calls).toBe(1);
    expect(storage.data.get(STORAGE_KEY)).toBe('{"done":["chapter:a"]}');
    const after = store.getSnapshot();
    expect(after.has('chapter:a')).toBe(true);
    expect(store.getSnapshot()).toBe(after);
    // A reload: a new store over the same storage sees the mark.
    expect(createProgressStore(() => storage).getSnapshot().has('chapter:a')).toBe(true);
    stop();
    store.set('chapter:a', false);
    expect(calls).toBe(1);
    expect(store.getSnapshot().has('chapter:a')).toBe(false);
  });

  it('works with no storage at all (server rendering, storage disabled)', () => {
    expect(createProgressStore(() => undefined).getSnapshot().size).toBe(0);
    const broken = {getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); }};
    const store = createProgressStore(() => broken);
    expect(() => store.set('lab:a', true)).not.toThrow();
    expect(store.getSnapshot().size).toBe(0);
  });
});
