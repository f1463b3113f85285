// Preload for running the bench from its TypeScript sources (the jest test, and
// development): `node --conditions=@kinko/source -r <this> src/cli.ts`. Workspace packages
// then load from their sources too, compiled on the fly by swc as jest does. Child
// processes the bench starts (the built app, the bare handler) get the same flags.
const fs = require('node:fs');
const swc = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
