import {describe, expect, it} from 'vitest';
import {unsupportedReason} from './support';

describe('RunInBrowser: what the browser must have', () => {
  it('accepts a browser with WebAssembly and enough memory (or no memory hint)', () => {
    expect(unsupportedReason({WebAssembly: {}, navigator: {deviceMemory: 8}})).toBe('');
    expect(unsupportedReason({WebAssembly: {}, navigator: {}})).toBe('');
  });
  it('says so clearly without WebAssembly', () => {
    expect(unsupportedReason({navigator: {}})).toMatch(/no WebAssembly/);
  });
  it('says so clearly with too little memory', () => {
    expect(unsupportedReason({WebAssembly: {}, navigator: {deviceMemory: 1}})).toMatch(/1 GB of memory/);
  });
});
