// prism's core alone (no grammar), as the CommonJS module prismjs ships.
declare module 'prismjs/components/prism-core' {
  import Prism from 'prismjs';
  export default Prism;
}
