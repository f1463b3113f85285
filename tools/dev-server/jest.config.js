// The sandbox's ES-module-only dependencies (like effect) are compiled to CommonJS for jest,
// as in tools/sandbox-bank.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|@apidevtools/|jose/)'],
});
