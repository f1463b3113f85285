// jose (request signing) and swagger-parser's resolver (the sandbox's spec checker) ship ES modules only: like effect, they are compiled to CommonJS for jest.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|@apidevtools/|jose/)'],
});
