import path from 'node:path';
import type {LoadContext, Plugin} from '@docusaurus/types';
import {buildChecklist, type ChecklistPart} from '../../lib/checklist';

/**
 * The reader's checklist page, /progress: each part's chapters and their labs, with what this
 * browser marked done (src/components/Progress). Its data is a module of that route only.
 */
export default function progress(context: LoadContext): Plugin {
  return {
    name: 'cfs-progress',
    getPathsToWatch() {
      return [path.join(context.siteDir, 'docs/**/*.{md,mdx}'), path.join(context.siteDir, 'labs/*/*/lab.manifest')];
    },
    async loadContent(): Promise<ChecklistPart[]> {
      return buildChecklist(context.siteDir);
    },
    async contentLoaded({content, actions}) {
      const checklist = await actions.createData('checklist.json', JSON.stringify(content));
      actions.addRoute({
        path: `${context.baseUrl}progress`,
        component: '@site/src/components/Progress/ChecklistPage',
        modules: {checklist},
        exact: true,
      });
    },
  };
}
