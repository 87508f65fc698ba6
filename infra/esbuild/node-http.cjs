// What the bundles get for `import ... from 'node:http'` (esbuild alias, infra/bundle.ts).
// An ES module import of node:http builds its ES module facade, which reads every export, the
// lazy WebSocket, MessageEvent and CloseEvent getters included: that loads Node's bundled undici
// at init, a cost to every cold start for nothing. process.getBuiltinModule returns the same module without
// a facade, so those getters run only if something reads them.
module.exports = process.getBuiltinModule('node:http');
