// The files a page imports with remark-code-import: `file=<rootDir>/labs/x/y/run.sh`, optionally
// followed by a line range (#L3-L9). Returns paths relative to the repository root.
/** @param {string} source @returns {string[]} */
function fileDependencies(source) {
  const found = new Set();
  for (const match of source.matchAll(/\bfile=<rootDir>\/(\S+?)(?:#L\d+(?:-L?\d*)?)?(?=\s|$)/g)) {
    found.add(match[1]);
  }
  return [...found];
}
module.exports = {fileDependencies};
