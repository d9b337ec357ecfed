import {useSyncExternalStore} from 'react';
import {createProgressStore, EMPTY, STORAGE_KEY, type Progress} from './progress';

const store = createProgressStore(() => (typeof window === 'undefined' ? undefined : window.localStorage));

let listening = false;
function subscribe(listener: () => void): () => void {
  if (!listening && typeof window !== 'undefined') {
    listening = true;
    // Another tab marked something.
    window.addEventListener('storage', (e) => {
      if (e.key === STORAGE_KEY || e.key === null) store.notify();
    });
  }
  return store.subscribe(listener);
}

/** The reader's progress and a setter; on the server and while hydrating, nothing is done yet. */
export function useProgress(): [Progress, (key: string, done: boolean) => void] {
  const progress = useSyncExternalStore(subscribe, () => store.getSnapshot(), () => EMPTY);
  return [progress, (key, done) => store.set(key, done)];
}
