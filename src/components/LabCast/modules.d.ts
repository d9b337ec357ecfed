// A lab's run.cast, imported as the URL of a file in the build (src/plugins/lab-casts).
declare module '*.cast' {
  const url: string;
  export default url;
}

// The player's stylesheet, as a string (written by src/plugins/lab-casts).
declare module '@generated/cfs-lab-casts/default/player-css.js' {
  const css: string;
  export default css;
}
