import path from 'node:path';
import {globSync} from 'tinyglobby';
import type {LoadContext, Plugin} from '@docusaurus/types';
import {packagesOf, readManifest} from '../../lib/manifest';

/** What a page's RunLab block reads about each lab (usePluginData('cfs-lab-files')). */
export type LabData = {labs: Record<string, {chapter: string; packages: string[]; browser?: boolean}>};

/**
 * Pages show lab scripts, expected output and diagrams from the files themselves
 * (remark-code-import fences `file=<rootDir>/…`). The bundler does not know a page depends on
 * those files, so an edit under labs/ or diagrams/ would not reach `npm start` until a restart.
 * This plugin runs a tiny pre-loader on every MDX page that declares each imported file as a
 * dependency of the page, so the page rebuilds when the file changes.
 * It also reads every lab's lab.manifest, so that a page says what a lab needs from the one place
 * that declares it.
 */
export default function labFiles(context: LoadContext): Plugin {
  const manifests = 'labs/*/*/lab.manifest';
  return {
    name: 'cfs-lab-files',
    getPathsToWatch() {
      return [path.join(context.siteDir, manifests)];
    },
    async loadContent(): Promise<LabData> {
      const labs: LabData['labs'] = {};
      for (const file of globSync([manifests, '!labs/_template/**'], {cwd: context.siteDir}).sort()) {
        const lab = path.dirname(file).replace(/^labs\//, '');
        const manifest = readManifest(context.siteDir, lab);
        labs[lab] = {
          chapter: manifest.chapter[0] ?? '',
          packages: packagesOf(manifest),
          browser: manifest.verify.includes('browser'),
        };
      }
      return {labs};
    },
    async contentLoaded({content, actions}) {
      actions.setGlobalData(content);
    },
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
