import fs from 'node:fs';
import path from 'node:path';
import {globSync} from 'tinyglobby';
import type {LoadContext, Plugin} from '@docusaurus/types';
import {castSummary, type CastData} from '../../lib/cast-summary';

/**
 * The replays of lab runs (labs/<topic>/<lab>/run.cast, from scripts/record-casts.sh).
 * Pages get only a few numbers per cast (global data: its length and terminal height); the cast
 * itself is a file of its own in the build (asset/resource), fetched with the player and its
 * stylesheet when a reader opens it (src/components/LabCast).
 */
export default function labCasts(context: LoadContext): Plugin {
  const casts = 'labs/*/*/run.cast';
  return {
    name: 'cfs-lab-casts',
    getPathsToWatch() {
      return [path.join(context.siteDir, casts)];
    },
    async loadContent(): Promise<CastData> {
      const out: CastData = {};
      for (const file of globSync([casts], {cwd: context.siteDir}).sort()) {
        const lab = path.dirname(file).replace(/^labs\//, '');
        out[lab] = castSummary(fs.readFileSync(path.join(context.siteDir, file), 'utf8'));
      }
      return out;
    },
    async contentLoaded({content, actions}) {
      actions.setGlobalData(content);
      // The player's stylesheet as a module of its own, imported when a reader opens a replay:
      // imported as CSS, Docusaurus would put it in the stylesheet of every page.
      const css = fs.readFileSync(require.resolve('asciinema-player/dist/bundle/asciinema-player.css'), 'utf8');
      await actions.createData('player-css.js', `export default ${JSON.stringify(css)};\n`);
    },
    configureWebpack() {
      return {
        module: {
          rules: [{test: /\.cast$/, type: 'asset/resource', generator: {filename: 'assets/casts/[name].[contenthash:8][ext]'}}],
        },
      };
    },
  };
}
