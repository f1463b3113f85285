/**
 * @kinko/api is an application, run as `node dist/main.js` (see README.md). Nothing
 * imports apps/* (the layering rule), so it exports nothing.
 */
export {};
