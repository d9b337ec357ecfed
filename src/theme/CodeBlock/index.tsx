/**
 * The classic theme's CodeBlock (Docusaurus 3.10.2, MIT, Facebook) without its remount after
 * hydration. The original renders `<CodeBlockComp key={String(isBrowser)}>`: once the page has
 * hydrated, the key changes and React throws every code block away and builds it again
 * (tokenizing it anew, thousands of <span>s), so that prism styles of the reader's colour mode
 * replace the server's. Since 3.10 that is done without it: useColorMode() gives the default mode
 * while the page hydrates (the server's markup matches) and the reader's mode right after
 * (theme-common's colorMode.js, facebook/docusaurus#7986), which re-renders the blocks with the
 * right styles (prism's tokens are memoized on the code, not re-tokenized). Measured (issue 14):
 * the remount was the longest task of a docs page under Lighthouse, ~0.4-0.5 s.
 */
import React, {isValidElement, type ReactNode} from 'react';
import ElementContent from '@theme/CodeBlock/Content/Element';
import StringContent from '@theme/CodeBlock/Content/String';
import type {Props} from '@theme/CodeBlock';

/**
 * Best attempt to make the children a plain string so it is copyable. If there are react
 * elements, we will not be able to copy the content, and it will return `children` as-is;
 * otherwise, it concatenates the string children together.
 */
function maybeStringifyChildren(children: ReactNode): ReactNode {
  if (React.Children.toArray(children).some((el) => isValidElement(el))) return children;
  // The children is now guaranteed to be one/more plain strings
  return Array.isArray(children) ? children.join('') : children;
}

export default function CodeBlock({children: rawChildren, ...props}: Props): ReactNode {
  const children = maybeStringifyChildren(rawChildren);
  if (typeof children === 'string') return <StringContent {...props}>{children}</StringContent>;
  return <ElementContent {...props}>{children}</ElementContent>;
}
