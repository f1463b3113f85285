// The tests import @kinko/sandbox-bank (its PolishAPI part uses jose) and swagger-parser, whose
// resolver (@apidevtools/json-schema-ref-parser) ships ES modules only: like effect, they are
// compiled to CommonJS for jest.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|@apidevtools/|jose/)'],
});
