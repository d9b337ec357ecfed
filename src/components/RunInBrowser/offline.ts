// Offline copies for "Run in your browser" (part of the chunk loaded after the click): the
// service worker static/cfs-offline-sw.js keeps what the page and the guest fetch, so that a lab
// that has run once runs again without a network. Registered on the first click, never before.
const SCRIPT = 'cfs-offline-sw.js';
const CACHE_PREFIX = 'cfs-offline-';

/**
 * Registers the service worker for the site (scope: the site's base URL) and waits, at most
 * `waitMs`, until it controls this page; then asks it to keep this page and what it has loaded so
 * far. Resolves true when the page is controlled (what the session fetches next is kept).
 */
export async function keepForOffline(siteBase: string, waitMs = 2000): Promise<boolean> {
  if (!('serviceWorker' in navigator)) return false;
  const sw = navigator.serviceWorker;
  try {
    const registration = await sw.register(`${siteBase}${SCRIPT}`, {scope: siteBase});
    if (!sw.controller) {
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        sw.addEventListener('controllerchange', done, {once: true});
        setTimeout(done, waitMs);
      });
    }
    const urls = [window.location.href, ...performance.getEntriesByType('resource').map((e) => e.name)];
    (sw.controller ?? registration.active)?.postMessage({type: 'keep', urls});
    return sw.controller !== null;
  } catch {
    // Private windows and some browsers refuse service workers: the machine still runs online.
    return false;
  }
}

/** Removes the service worker and everything it kept. */
export async function forgetOffline(): Promise<void> {
  if ('serviceWorker' in navigator) {
    const registrations = await navigator.serviceWorker.getRegistrations();
    await Promise.all(registrations.filter((r) => r.active?.scriptURL.endsWith(SCRIPT)).map((r) => r.unregister()));
  }
  if ('caches' in window) {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX)).map((n) => caches.delete(n)));
  }
}
