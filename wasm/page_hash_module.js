// @ts-self-types="./page_hash_module.d.ts"
// The compiled kernel as a `WebAssembly.Module`, through a source-phase import: Deno compiles the
// `.wasm` natively (no `--allow-read`, embedded by `deno compile`, publishable to JSR because the
// module has no imports), and `wasm/mod.ts` instantiates it once per hasher so every hasher has its
// own memory. This lives in a `.js` file because TypeScript 6.0 cannot parse `import source` yet;
// its types come from `page_hash_module.d.ts`.
import source pageHashModule from "./build/page_hash.wasm";

export { pageHashModule };
