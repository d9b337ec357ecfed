import path from 'node:path';
import {themes as prismThemes} from 'prism-react-renderer';
import type {Config} from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import codeImport from 'remark-code-import';
import labFiles from './src/plugins/lab-files';
import labProps from './src/plugins/lab-files/lab-props';
import codeRegion from './src/plugins/code-region';
import labCasts from './src/plugins/lab-casts';
import progress from './src/plugins/progress';
import {readableTheme} from './src/lib/contrast';
import mermaidSvg, {drawsAtBuild} from './src/plugins/mermaid-svg';
import slimPrism from './src/plugins/slim-prism';
import foldOutputs from './src/plugins/fold-outputs';
import idlePrefetch from './src/plugins/idle-prefetch';

/** Where the public repository lives: "Edit this page" and lab-folder links point here. */
const repoUrl = 'https://github.com/containers-from-scratch/containers-from-scratch';
const rootDir = __dirname;
/**
 * Diagrams are drawn to SVG when the site is built (src/plugins/mermaid-svg); only a development
 * server without Chromium leaves them to mermaid in the browser, and only then is the mermaid
 * theme in the site (its client code is in main.js, on every page, even when no page uses it).
 */
const diagramsInBrowser = !drawsAtBuild();

const config: Config = {
  title: 'Containers from Scratch',
  tagline: 'Linux containers from the kernel up, with labs that really run',
  favicon: 'img/favicon.svg',
  // The Pages workflow (.github/workflows/pages.yml) sets both from where GitHub serves the site.
  url: process.env.CFS_SITE_URL || 'https://containers-from-scratch.github.io',
  baseUrl: process.env.CFS_BASE_URL || '/',
  organizationName: 'containers-from-scratch',
  projectName: 'containers-from-scratch',

  future: {v4: true},
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  onDuplicateRoutes: 'throw',
  markdown: {
    mermaid: diagramsInBrowser,
    hooks: {onBrokenMarkdownLinks: 'throw', onBrokenMarkdownImages: 'throw'},
  },
  customFields: {repoUrl},
  i18n: {defaultLocale: 'en', locales: ['en']},

  presets: [
    [
      'classic',
      {
        docs: {
          sidebarPath: './sidebars.ts',
          editUrl: `${repoUrl}/edit/main/`,
          showLastUpdateTime: false,
          // Before the default plugins, so that ```mermaid file=… fences are filled from
          // diagrams/ before Docusaurus turns mermaid fences into diagrams. code-region first: it
          // fills the fences with region=NAME (part 80's walk through scripts/mini-container.sh)
          // and takes their file= off, so that remark-code-import does not import the whole file.
          // mermaidSvg then draws each diagram to SVG at build time (no mermaid JS in the browser).
          beforeDefaultRemarkPlugins: [
            [codeRegion, {rootDir}],
            [codeImport, {rootDir}],
            mermaidSvg,
            // A lab's expected output longer than 15 lines folds (a closed <details>).
            foldOutputs,
            // Each <RunLab lab="…" /> gets its lab's data and cast URL as imports of its page.
            [labProps, {rootDir}],
          ],
        },
        blog: false,
        theme: {customCss: './src/css/custom.css'},
      } satisfies Preset.Options,
    ],
  ],

  plugins: [labFiles, labCasts, progress, slimPrism, idlePrefetch],
  themes: [
    ...(diagramsInBrowser ? ['@docusaurus/theme-mermaid'] : []),
    [
      '@easyops-cn/docusaurus-search-local',
      {
        hashed: true,
        indexBlog: false,
        indexPages: false,
        docsRouteBasePath: '/docs',
        // Off: highlighting needs mark.js in main.js, 5 KB gzipped on every page (issue 14's JS budget).
        highlightSearchTermsOnTargetPage: false,
        explicitSearchResultPath: true,
      },
    ],
  ],

  themeConfig: {
    colorMode: {respectPrefersColorScheme: true},
    mermaid: {theme: {light: 'neutral', dark: 'dark'}},
    navbar: {
      title: 'Containers from Scratch',
      // alt '': the title beside the logo already says it (axe: image-redundant-alt).
      logo: {alt: '', src: 'img/logo.svg'},
      items: [
        {type: 'docSidebar', sidebarId: 'tutorial', position: 'left', label: 'Tutorial'},
        {href: `${repoUrl}/tree/main/labs`, label: 'Labs', position: 'left'},
        {to: '/progress', label: 'Progress', position: 'left'},
        {href: repoUrl, label: 'GitHub', position: 'right'},
      ],
    },
    footer: {
      style: 'dark',
      links: [
        {
          title: 'Tutorial',
          items: [
            {label: 'Start here', to: '/docs/intro/what-this-is'},
            {label: 'Roadmap', to: '/docs/intro/roadmap'},
          ],
        },
        {
          title: 'Contribute',
          items: [
            {label: 'Contributing guide', href: `${repoUrl}/blob/main/CONTRIBUTING.md`},
            {label: 'Lab template', href: `${repoUrl}/tree/main/labs/_template`},
          ],
        },
      ],
      copyright: 'Containers from Scratch: Linux containers from the kernel up.',
    },
    prism: {
      // The same themes with their too-faint tokens (comments, numbers) made readable (WCAG AA).
      theme: readableTheme(prismThemes.github),
      darkTheme: readableTheme(prismThemes.dracula),
      // Only what the pages use (```bash, ```console): every grammar here ships in main.js, on every page.
      additionalLanguages: ['bash', 'shell-session'],
    },
  } satisfies Preset.ThemeConfig,
};

export default config;

