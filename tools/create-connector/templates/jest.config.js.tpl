// The workspace's jest settings: sources run through swc; effect (ES modules only) is
// compiled to CommonJS, and so are the other ES-module-only packages a connector's tests
// meet: swagger-parser's resolver (@apidevtools/json-schema-ref-parser, test/sandbox/spec.ts)
// and jose (JWS/JWT signing, e.g. a bank that signs requests). Add any other such package
// you depend on to the list.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|@apidevtools/|jose/)'],
});
