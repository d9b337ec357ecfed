import path from 'node:path';
import type {LoadContext, Plugin} from '@docusaurus/types';

/**
 * Pages show lab scripts, expected output and diagrams from the files themselves
 * (remark-code-import fences `file=<rootDir>/…`). The bundler does not know a page depends on
 * those files, so an edit under labs/ or diagrams/ would not reach `npm start` until a restart.
 * This plugin runs a tiny pre-loader on every MDX page that declares each imported file as a
 * dependency of the page, so the page rebuilds when the file changes.
 */
export default function labFiles(context: LoadContext): Plugin {
  return {
    name: 'cfs-lab-files',
    configureWebpack() {
      return {
        module: {
          rules: [
            {
              test: /\.mdx?$/,
              enforce: 'pre',
              include: [path.join(context.siteDir, 'docs')],
              use: [
                {
                  loader: require.resolve('./file-deps-loader.cjs'),
                  options: {rootDir: context.siteDir},
                },
              ],
            },
          ],
        },
      };
    },
  };
}
