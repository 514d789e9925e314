// Lua scripts are imported as text: Vite resolves `?raw` in tests, tsup's plugin at build.
declare module '*.lua?raw' {
  const source: string;
  // biome-ignore lint/style/noDefaultExport: a `?raw` module has only a default export, by Vite's convention.
  export default source;
}
