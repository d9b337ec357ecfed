// Wraps the classic theme's copy button: in a terminal transcript (```console), it copies only
// the commands, without the `$ `/`# ` prompts and the output (src/lib/prompt-copy.ts).
import React from 'react';
import CopyButton from '@theme-original/CodeBlock/Buttons/CopyButton';
import type CopyButtonType from '@theme/CodeBlock/Buttons/CopyButton';
import type {WrapperProps} from '@docusaurus/types';
import {CodeBlockContextProvider, useCodeBlockContext} from '@docusaurus/theme-common/internal';
import {copyText} from '@site/src/lib/prompt-copy';

type Props = WrapperProps<typeof CopyButtonType>;

export default function CopyButtonWrapper(props: Props): React.JSX.Element {
  const context = useCodeBlockContext();
  const {code, language} = context.metadata;
  const text = copyText(code, language);
  if (text === code) return <CopyButton {...props} />;
  return (
    <CodeBlockContextProvider metadata={{...context.metadata, code: text}} wordWrap={context.wordWrap}>
      <CopyButton {...props} />
    </CodeBlockContextProvider>
  );
}
