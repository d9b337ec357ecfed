// cfs-offline-sw.js: the service worker that "Run in your browser" registers on its first click,
// never before (src/components/RunInBrowser/offline.ts). With it, a lab that has run once runs
// again without a network: the page reloads, the machine restores, the lab's files come back.
// - /v86/fs/ holds the guest's files, each named by its content: served from the cache once
//   fetched (a name never changes its content).
// - Everything else of this site (pages, their scripts and styles, the emulator and the snapshot
//   under /v86/): from the network when it answers, keeping the latest copy; from that copy when
//   it does not. So an online reader always gets the current site.
// "Forget the offline copy" on the page (or the browser's site settings) removes it all.
const CACHE = 'cfs-offline-v1';
const FS = new URL('v86/fs/', self.registration.scope).pathname;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// The page that registered us was loaded before we were there: it sends its own URL and the URLs
// of what it loaded, to be kept too.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'keep' || !Array.isArray(event.data.urls)) return;
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all(event.data.urls.filter(sameOrigin).map((url) => cache.add(url).catch(() => undefined))),
    ),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !sameOrigin(request.url) || request.headers.has('range')) return;
  const path = new URL(request.url).pathname;
  event.respondWith(path.startsWith(FS) ? cacheFirst(event) : networkFirst(event));
});

function sameOrigin(url) {
  return new URL(url, self.location.href).origin === self.location.origin;
}

// The copy is written while the response streams to the page (waitUntil keeps us alive for it).
function keep(event, response) {
  const copy = response.clone();
  event.waitUntil(caches.open(CACHE).then((cache) => cache.put(event.request, copy)));
}

async function cacheFirst(event) {
  const cached = await caches.match(event.request);
  if (cached) return cached;
  const response = await fetch(event.request);
  if (response.ok) keep(event, response);
  return response;
}

async function networkFirst(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') keep(event, response);
    return response;
  } catch (error) {
    // A page reloaded offline may carry another query (?cfs-test): the page is the same.
    const cached = await caches.match(request, {ignoreSearch: request.mode === 'navigate'});
    if (cached) return cached;
    throw error;
  }
}
