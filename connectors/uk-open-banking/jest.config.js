// The workspace's jest settings: sources run through swc; effect (ES modules only) is
// compiled to CommonJS. If a dependency you add ships ES modules only, add it to
// transformIgnorePatterns as connectors/bank-common-api/jest.config.js does for jose.
module.exports = require('../../jest.base.js')(__dirname);
