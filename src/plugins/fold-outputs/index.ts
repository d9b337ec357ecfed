import type {Code, Parent, Root} from 'mdast';
import {visit} from 'unist-util-visit';

/**
 * Long outputs fold: a lab's expected-output.txt shown on a page (a fence filled by
 * remark-code-import from `file=<rootDir>/labs/<topic>/<lab>/expected-output.txt`) that is longer
 * than FOLD_AFTER_LINES lines is put in a disclosure, closed: a <details> (the classic theme's
 * Details: a native <summary>, reached with Tab, opened with Enter or Space) whose summary says
 * what it holds and how long it is. Shorter outputs stay open: they are read at a glance.
 * Runs after remark-code-import (docusaurus.config.ts), which has filled the fence by then.
 */
export const FOLD_AFTER_LINES = 15;

/** The lab whose expected output a fence shows ("silos/pid-ns"), or undefined. */
export function outputLab(node: Code): string | undefined {
  return /(?:^|\s)file=\S*?labs\/([^/\s]+\/[^/\s]+)\/expected-output\.txt(?:\s|$)/.exec(node.meta ?? '')?.[1];
}

/** How many lines a fence shows. */
export function lineCount(text: string): number {
  return text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
}

/** Whether a fence folds: a lab's expected output, longer than FOLD_AFTER_LINES lines. */
export function folds(node: Code): boolean {
  return outputLab(node) !== undefined && lineCount(node.value) > FOLD_AFTER_LINES;
}

/** What the closed disclosure says. */
export function summaryText(node: Code): string {
  return `Expected output of ${outputLab(node)}: ${lineCount(node.value)} lines (show)`;
}

export default function foldOutputs() {
  return (tree: Root) => {
    const found: {node: Code; index: number; parent: Parent}[] = [];
    visit(tree, 'code', (node: Code, index, parent) => {
      if (parent && index !== undefined && folds(node)) found.push({node, index, parent: parent as Parent});
    });
    for (const {node, index, parent} of found.reverse()) {
      parent.children.splice(index, 1, {
        type: 'mdxJsxFlowElement',
        name: 'details',
        attributes: [{type: 'mdxJsxAttribute', name: 'className', value: 'cfs-output-fold'}],
        children: [{type: 'mdxJsxFlowElement', name: 'summary', attributes: [], children: [{type: 'text', value: summaryText(node)}]}, node],
      } as never);
    }
  };
}
