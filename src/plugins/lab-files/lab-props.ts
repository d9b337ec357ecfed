import fs from 'node:fs';
import path from 'node:path';
import type {Root} from 'mdast';
import {visit} from 'unist-util-visit';
import {labDataFile} from './index';

type JsxElement = {type: 'mdxJsxFlowElement' | 'mdxJsxTextElement'; name: string | null; attributes: {type: string; name?: string; value?: unknown}[]};

function importNode(local: string, source: string) {
  return {
    type: 'mdxjsEsm',
    value: `import ${local} from ${JSON.stringify(source)};`,
    data: {
      estree: {
        type: 'Program',
        sourceType: 'module',
        body: [
          {
            type: 'ImportDeclaration',
            specifiers: [{type: 'ImportDefaultSpecifier', local: {type: 'Identifier', name: local}}],
            source: {type: 'Literal', value: source, raw: JSON.stringify(source)},
            attributes: [],
          },
        ],
      },
    },
  };
}

function identifierAttribute(name: string, local: string) {
  return {
    type: 'mdxJsxAttribute',
    name,
    value: {
      type: 'mdxJsxAttributeValueExpression',
      value: local,
      data: {estree: {type: 'Program', sourceType: 'module', body: [{type: 'ExpressionStatement', expression: {type: 'Identifier', name: local}}]}},
    },
  };
}

/**
 * Gives each `<RunLab lab="topic/lab" />` of a page what it shows about the lab, as imports of
 * that page only: `data` (the lab's module written by ./index.ts: packages, verified-on lines,
 * its cast's length) and `castUrl` (labs/<lab>/run.cast as a file of the build, fetched only when
 * the reader opens the replay). A lab with no lab.manifest fails the build.
 */
export default function labProps({rootDir}: {rootDir: string}) {
  return (tree: Root) => {
    const imports: unknown[] = [];
    visit(tree, (node) => {
      const el = node as unknown as JsxElement;
      if ((el.type !== 'mdxJsxFlowElement' && el.type !== 'mdxJsxTextElement') || el.name !== 'RunLab') return;
      const lab = el.attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === 'lab')?.value;
      if (typeof lab !== 'string') throw new Error('<RunLab> needs lab="topic/lab", a string');
      if (!fs.existsSync(path.join(rootDir, 'labs', lab, 'lab.manifest'))) throw new Error(`<RunLab lab="${lab}">: labs/${lab}/lab.manifest does not exist`);
      const n = imports.length;
      imports.push(importNode(`__cfsLab${n}`, `@generated/cfs-lab-files/default/${labDataFile(lab)}`));
      el.attributes.push(identifierAttribute('data', `__cfsLab${n}`));
      if (fs.existsSync(path.join(rootDir, 'labs', lab, 'run.cast'))) {
        imports.push(importNode(`__cfsCast${n}`, `@site/labs/${lab}/run.cast`));
        el.attributes.push(identifierAttribute('castUrl', `__cfsCast${n}`));
      }
    });
    tree.children.unshift(...(imports as never[]));
  };
}
