// swagger-parser's resolver (@apidevtools/json-schema-ref-parser) ships ES modules only:
// like effect, it is compiled to CommonJS for jest.
// jose (the JWS library of the PolishAPI sandbox) is ES modules only too.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|@apidevtools/|jose/)'],
});
