// The workspace's jest settings: sources run through swc; effect (ES modules only) is
// compiled to CommonJS, and so are swagger-parser's resolver (@apidevtools/json-schema-ref-parser,
// the contract test) and jose (the sandbox package's PolishAPI part), which ship ES modules only.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|@apidevtools/|jose/)'],
});
