import React from 'react';
// @ts-expect-error: no @types/react-dom here; renderToStaticMarkup(element): string
import {renderToStaticMarkup} from 'react-dom/server';
import {describe, expect, it} from 'vitest';
import SelfCheck, {Question} from '.';

describe('<SelfCheck>', () => {
  const h = React.createElement;
  const html: string = renderToStaticMarkup(
    h(
      SelfCheck,
      null,
      h(Question, {q: 'What PID does the first process of a new PID namespace get?', children: '1, inside the namespace.'}),
      h(Question, {q: 'Who adopts an orphan there?', children: 'Its PID 1.'}),
      h(Question, {q: 'Does SIGTERM from the host kill it?', children: 'Not without a handler.'}),
    ),
  );

  it('is a labelled region with the questions in order', () => {
    expect(html).toMatch(/^<section[^>]*aria-label="Check yourself"/);
    expect([...html.matchAll(/<li[^>]*><p[^>]*>([^<]*)<\/p>/g)].map((m) => m[1])).toEqual([
      'What PID does the first process of a new PID namespace get?',
      'Who adopts an orphan there?',
      'Does SIGTERM from the host kill it?',
    ]);
  });

  it('hides each answer until asked: a closed details with a summary', () => {
    expect(html.match(/<details/g)).toHaveLength(3);
    expect(html).not.toMatch(/<details[^>]*\sopen/);
    expect(html.match(/<summary>Show the answer<\/summary>/g)).toHaveLength(3);
    expect(html).toMatch(/<summary>Show the answer<\/summary><div[^>]*>1, inside the namespace\.<\/div><\/details>/);
  });
});
