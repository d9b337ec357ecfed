import fs from 'node:fs';
import path from 'node:path';
import type {LoadContext, Plugin} from '@docusaurus/types';
import type {PrismTheme} from 'prism-react-renderer';
import {prismThemeCss} from '../../lib/prism-css';

/**
 * Only the prism grammars the site asks for (themeConfig.prism.additionalLanguages) in the
 * browser: the classic theme's `import … from 'prism-react-renderer'` resolves to ./client.ts,
 * a Prism with no grammar of its own (prism-react-renderer's build bundles ~20, ~20 KB gzipped
 * of main.js on every page). Server and client bundles both, so that they render alike.
 * Node code (docusaurus.config.ts: its themes) still uses the real package.
 *
 * And the token colours of themeConfig.prism's light and dark themes, as CSS in the site's
 * stylesheet (src/lib/prism-css.ts says why): src/theme/CodeBlock/Content renders no inline ones.
 * A generated client module, so it is cached with styles.css rather than repeated in each page.
 */
export default function slimPrism(context: LoadContext): Plugin {
  const prism = context.siteConfig.themeConfig.prism as {theme: PrismTheme; darkTheme?: PrismTheme};
  const css = path.join(context.generatedFilesDir, 'cfs-prism-tokens.css');
  fs.mkdirSync(context.generatedFilesDir, {recursive: true});
  fs.writeFileSync(css, `${prismThemeCss({light: prism.theme, dark: prism.darkTheme ?? prism.theme})}\n`);
  return {
    name: 'cfs-slim-prism',
    configureWebpack() {
      return {resolve: {alias: {'prism-react-renderer$': path.join(__dirname, 'client.ts')}}};
    },
    getClientModules() {
      return [css];
    },
  };
}
