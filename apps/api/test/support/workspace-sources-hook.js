// Preload for running dist/main.js in tests: `node --conditions=@kinko/source -r <this>`.
// Workspace packages (@kinko/domain, @kinko/connector-sdk…) then load from their TypeScript
// sources, compiled on the fly by swc, as jest does — so the process test needs no build
// of the other packages (a real `pnpm start` builds them with turbo first).
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
