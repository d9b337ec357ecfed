import fs from 'node:fs';
import path from 'node:path';
import {globSync} from 'tinyglobby';
import type {LoadContext, Plugin} from '@docusaurus/types';
import {packagesOf, readManifest} from '../../lib/manifest';
import {castSummary} from '../../lib/cast-summary';
import {verificationsFor, type VerifiedOn} from '../../components/RunLab/lab';
import type {LabInfo} from '../../components/RunLab/info';

export type {LabInfo};

/** The module that holds a lab's LabInfo, imported by the pages that show the lab (./lab-props.ts). */
export function labDataFile(lab: string): string {
  return `lab-${lab.replace(/\//g, '--')}.json`;
}

/**
 * Pages show lab scripts, expected output and diagrams from the files themselves
 * (remark-code-import fences `file=<rootDir>/…`). The bundler does not know a page depends on
 * those files, so an edit under labs/ or diagrams/ would not reach `npm start` until a restart.
 * This plugin runs a tiny pre-loader on every MDX page that declares each imported file as a
 * dependency of the page, so the page rebuilds when the file changes.
 * It also reads what a page's RunLab block says about each lab, from the one place that declares
 * each thing (lab.manifest: its packages; labs/verified-on.json; its run.cast: length and height),
 * into one small module per lab that only the pages showing that lab import (./lab-props.ts):
 * not global data, which every page of the site would load.
 */
export default function labFiles(context: LoadContext): Plugin {
  const manifests = 'labs/*/*/lab.manifest';
  return {
    name: 'cfs-lab-files',
    getPathsToWatch() {
      return [path.join(context.siteDir, manifests), path.join(context.siteDir, 'labs/verified-on.json'), path.join(context.siteDir, 'labs/*/*/run.cast')];
    },
    async loadContent(): Promise<Record<string, LabInfo>> {
      const verifiedFile = path.join(context.siteDir, 'labs/verified-on.json');
      const verifiedOn = (fs.existsSync(verifiedFile) ? JSON.parse(fs.readFileSync(verifiedFile, 'utf8')) : {}) as VerifiedOn;
      const labs: Record<string, LabInfo> = {};
      for (const file of globSync([manifests, '!labs/_template/**'], {cwd: context.siteDir}).sort()) {
        const lab = path.dirname(file).replace(/^labs\//, '');
        const cast = path.join(context.siteDir, 'labs', lab, 'run.cast');
        const manifest = readManifest(context.siteDir, lab);
        labs[lab] = {
          packages: packagesOf(manifest),
          verified: verificationsFor(verifiedOn, lab),
          browser: manifest.verify.includes('browser'),
          cast: fs.existsSync(cast) ? castSummary(fs.readFileSync(cast, 'utf8')) : null,
        };
      }
      return labs;
    },
    async contentLoaded({content, actions}) {
      await Promise.all(Object.entries(content as Record<string, LabInfo>).map(([lab, info]) => actions.createData(labDataFile(lab), JSON.stringify(info))));
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
