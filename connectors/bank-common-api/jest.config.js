// The sandbox (a dev dependency) may pull in ES-module-only packages (jose for its PolishAPI
// bank, swagger-parser's resolver for its spec checker): like effect, they are compiled to CommonJS for jest.
module.exports = require('../../jest.base.js')(__dirname, {
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm|effect/|@effect/|@apidevtools/|jose/)'],
});
