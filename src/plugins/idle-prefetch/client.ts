/**
 * Docusaurus prefetches the chunks of every internal link as soon as it scrolls into view
 * (@docusaurus/core's Link: an IntersectionObserver per link calls `window.docusaurus.prefetch`).
 * On a page load that is right after hydration, in the same frames: matching routes, then one
 * <link rel=prefetch> appended to <head> per chunk. Measured on a docs page at phone size under
 * 4× CPU throttling (issue 14): ~200 ms of the ~1.3 s of main-thread work, inside Lighthouse's
 * blocking window.
 *
 * This client module wraps the object core assigns to `window.docusaurus` (clientEntry.js; client
 * modules are evaluated first): each prefetch waits for an idle moment of the main thread
 * (requestIdleCallback, at most 3 s), one link's chunks per callback. Preloading on hover or
 * touch, what makes a click fast, is unchanged.
 */
type Docusaurus = {prefetch: (routePath: string) => unknown; preload: (routePath: string) => unknown};

const whenIdle: (work: () => void) => void =
  typeof window !== 'undefined' && 'requestIdleCallback' in window
    ? (work) => void window.requestIdleCallback(work, {timeout: 3000})
    : (work) => void setTimeout(work, 1);

/** The object core provides, with its prefetch deferred to idle time. */
export function idlePrefetching(docusaurus: Docusaurus): Docusaurus {
  return Object.freeze({
    ...docusaurus,
    prefetch: (routePath: string) => {
      whenIdle(() => void docusaurus.prefetch(routePath));
      return true;
    },
  });
}

if (typeof window !== 'undefined') {
  let current: Docusaurus | undefined;
  Object.defineProperty(window, 'docusaurus', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (docusaurus: Docusaurus) => {
      current = idlePrefetching(docusaurus);
    },
  });
}
