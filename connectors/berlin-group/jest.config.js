// The tests import @kinko/sandbox-bank, whose PolishAPI part uses jose (ES modules only):
// like effect, it is compiled to CommonJS for jest.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|jose/)'],
});
