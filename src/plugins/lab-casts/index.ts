import fs from 'node:fs';
import type {Plugin} from '@docusaurus/types';

/**
 * The replays of lab runs (labs/<topic>/<lab>/run.cast, from scripts/record-casts.sh).
 * A page with a lab gets its cast's length and height and its URL from src/plugins/lab-files
 * (imports of that page only); the cast itself is a file of its own in the build
 * (asset/resource), fetched with the player and its stylesheet when a reader opens it
 * (src/components/LabCast).
 */
export default function labCasts(): Plugin {
  return {
    name: 'cfs-lab-casts',
    async contentLoaded({actions}) {
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
