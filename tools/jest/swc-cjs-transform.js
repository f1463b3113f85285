// Jest transformer: @swc/jest, plus one rewrite swc cannot do when emitting CommonJS.
// effect 4 is ESM-only and reads `import.meta?.env` in ConfigProvider; in jest's CommonJS
// runtime `import.meta` is a syntax error, so it becomes an equivalent plain object.
const { createTransformer } = require('@swc/jest');

const IMPORT_META = /\bimport\.meta\b/g;
const CJS_IMPORT_META = '({ url: require("node:url").pathToFileURL(__filename).href })';

module.exports = {
  createTransformer(options) {
    const swc = createTransformer(options);
    const rewrite = (src, file) => (file.includes('node_modules') && src.includes('import.meta') ? src.replace(IMPORT_META, CJS_IMPORT_META) : src);
    return {
      ...swc,
      process: (src, file, config) => swc.process(rewrite(src, file), file, config),
      processAsync: (src, file, config) => swc.processAsync(rewrite(src, file), file, config),
      getCacheKey: (src, file, config) => swc.getCacheKey(rewrite(src, file), file, config),
    };
  },
};
