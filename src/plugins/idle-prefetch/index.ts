import path from 'node:path';
import type {Plugin} from '@docusaurus/types';

/** Link prefetching at idle time instead of right after hydration (./client.ts says why). */
export default function idlePrefetch(): Plugin {
  return {
    name: 'cfs-idle-prefetch',
    getClientModules() {
      return [path.join(__dirname, 'client.ts')];
    },
  };
}
