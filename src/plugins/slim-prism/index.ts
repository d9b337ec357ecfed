import path from 'node:path';
import type {Plugin} from '@docusaurus/types';

/**
 * Only the prism grammars the site asks for (themeConfig.prism.additionalLanguages) in the
 * browser: the classic theme's `import … from 'prism-react-renderer'` resolves to ./client.ts,
 * a Prism with no grammar of its own (prism-react-renderer's build bundles ~20, ~20 KB gzipped
 * of main.js on every page). Server and client bundles both, so that they render alike.
 * Node code (docusaurus.config.ts: its themes) still uses the real package.
 */
export default function slimPrism(): Plugin {
  return {
    name: 'cfs-slim-prism',
    configureWebpack() {
      return {resolve: {alias: {'prism-react-renderer$': path.join(__dirname, 'client.ts')}}};
    },
  };
}
