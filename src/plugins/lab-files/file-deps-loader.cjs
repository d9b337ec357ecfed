// Declares every `file=<rootDir>/…` a page imports as a dependency of that page, then passes the
// source through unchanged. See index.ts.
const path = require('node:path');
const {fileDependencies} = require('./file-deps.cjs');

/** @this {{getOptions(): {rootDir: string}, addDependency(file: string): void}} */
module.exports = function fileDepsLoader(source) {
  const {rootDir} = this.getOptions();
  for (const rel of fileDependencies(source)) this.addDependency(path.join(rootDir, rel));
  return source;
};
