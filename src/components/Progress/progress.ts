// What the reader marked done, kept in the browser (localStorage): no account, no network.
// Keys: "chapter:<doc id>" (e.g. chapter:silos-isolation/pid-namespace) and "lab:<topic>/<lab>".

export const STORAGE_KEY = 'cfs-progress-v1';
/** The same-tab event: the storage event fires only in the other tabs. */
export const CHANGE_EVENT = 'cfs-progress-change';

export type Progress = ReadonlySet<string>;
export const EMPTY: Progress = new Set();

export const chapterKey = (docId: string): string => `chapter:${docId}`;
export const labKey = (lab: string): string => `lab:${lab}`;

/** What localStorage holds, read leniently: anything unreadable is no progress, never an error. */
export function parseProgress(raw: string | null | undefined): Progress {
  if (!raw) return EMPTY;
  try {
    const value = JSON.parse(raw) as unknown;
    const done = (value as {done?: unknown})?.done;
    return Array.isArray(done) ? new Set(done.filter((k): k is string => typeof k === 'string')) : EMPTY;
  } catch {
    return EMPTY;
  }
}

export function serializeProgress(progress: Progress): string {
  return JSON.stringify({done: [...progress].sort()});
}

/** A new set with KEY done or not. */
export function withDone(progress: Progress, key: string, done: boolean): Progress {
  const next = new Set(progress);
  if (done) next.add(key);
  else next.delete(key);
  return next;
}

/** How many of KEYS are done. */
export function countDone(progress: Progress, keys: readonly string[]): {done: number; total: number} {
  return {done: keys.filter((k) => progress.has(k)).length, total: keys.length};
}

/** The minimal storage this needs (window.localStorage, or a Map in the tests). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * A store over KEY in STORAGE for React's useSyncExternalStore: a stable snapshot per stored
 * value, and listeners told of changes from this tab (set) and from others (notify).
 */
export function createProgressStore(storage: () => KeyValueStore | undefined) {
  let raw: string | null | undefined;
  let snapshot: Progress = EMPTY;
  const listeners = new Set<() => void>();
  const read = (): string | null => {
    try {
      return storage()?.getItem(STORAGE_KEY) ?? null;
    } catch {
      return null; // storage disabled (private mode, a blocked origin): nothing is kept
    }
  };
  return {
    getSnapshot(): Progress {
      const now = read();
      if (now !== raw) {
        raw = now;
        snapshot = parseProgress(now);
      }
      return snapshot;
    },
    set(key: string, done: boolean): void {
      const next = serializeProgress(withDone(this.getSnapshot(), key, done));
      try {
        storage()?.setItem(STORAGE_KEY, next);
      } catch {
        // full or disabled: the mark lasts only until the page is left
      }
      this.notify();
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(): void {
      for (const l of listeners) l();
    },
  };
}
export type ProgressStore = ReturnType<typeof createProgressStore>;
