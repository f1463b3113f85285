// The workspace's jest settings: sources run through swc; effect (ES modules only) is
// compiled to CommonJS, and so is swagger-parser's resolver (@apidevtools/json-schema-ref-parser
// ships ES modules only), which the contract test uses.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|@apidevtools/)'],
});
