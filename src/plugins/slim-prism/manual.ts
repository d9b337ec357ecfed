// Evaluated before prism-core (see client.ts): prism-core reads `Prism.manual` from the global
// when it loads, and unless it is set, highlights every `[class*="language-"] code` element of
// the page by itself after load, rewriting the code blocks React rendered.
const g = globalThis as {Prism?: unknown};

/** What the global held before (restored by client.ts once prism-core has loaded). */
export const globalPrismBefore = g.Prism;
g.Prism = {manual: true, disableWorkerMessageHandler: true};
