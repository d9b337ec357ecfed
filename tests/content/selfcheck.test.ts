import {describe, expect, it} from 'vitest';
import {visit} from 'unist-util-visit';
import {needsLab, pages, parsePage} from './repo';

type Jsx = {type: string; name: string | null; attributes: {type: string; name?: string; value?: unknown}[]; children: Jsx[]};

/** The <SelfCheck> blocks of a page: for each, its questions and whether each has an answer. */
function selfChecks(page: string): {q: string; answered: boolean}[][] {
  const found: {q: string; answered: boolean}[][] = [];
  visit(parsePage(page).tree, (node) => {
    const el = node as unknown as Jsx;
    if ((el.type === 'mdxJsxFlowElement' || el.type === 'mdxJsxTextElement') && el.name === 'SelfCheck') {
      const questions: {q: string; answered: boolean}[] = [];
      visit(node, (inner) => {
        const child = inner as unknown as Jsx;
        if (child.name === 'Question') {
          const q = child.attributes.find((a) => a.name === 'q')?.value;
          questions.push({q: typeof q === 'string' ? q : '', answered: child.children.length > 0});
        }
      });
      found.push(questions);
    }
  });
  return found;
}

const withSelfCheck = pages.filter((p) => selfChecks(p).length > 0);
/** The parts whose teaching chapters end with a self-check (issue 14: at least parts 10 and 20). */
const required = pages.filter((p) => /^docs\/(10|20|30|60)-/.test(p) && needsLab(p));

describe('<SelfCheck> on the pages', () => {
  it.each(required)('%s ends with a self-check', (page) => {
    expect(selfChecks(page), `${page}: add <SelfCheck> with 3-5 <Question q="…">answer</Question> from the chapter's own facts, before ## References`).toHaveLength(1);
  });

  it.each(withSelfCheck)('%s: each self-check has 3 to 5 questions, each with an answer', (page) => {
    for (const questions of selfChecks(page)) {
      expect(questions.length, `${page}: a <SelfCheck> needs 3 to 5 <Question>s`).toBeGreaterThanOrEqual(3);
      expect(questions.length, `${page}: a <SelfCheck> needs 3 to 5 <Question>s`).toBeLessThanOrEqual(5);
      for (const {q, answered} of questions) {
        expect(q.trim(), `${page}: a <Question> without its q="…" text`).not.toBe('');
        expect(answered, `${page}: the question "${q}" has no answer`).toBe(true);
      }
    }
  });
});
