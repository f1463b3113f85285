{
  "name": "@kinko/connector-__ID__",
  "version": "0.1.0",
  "private": true,
  "description": "Connector for __NAME__ (made with pnpm create-connector)",
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "exports": {
    ".": {
      "@kinko/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    }
  },
  "files": [
    "dist",
    "src"
  ],
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "check-types": "tsc -p tsconfig.json --noEmit",
    "lint": "eslint --max-warnings=0 --no-error-on-unmatched-pattern src test",
    "test": "jest"
  },
  "dependencies": {
    "@kinko/connector-sdk": "workspace:*",
    "@kinko/domain": "workspace:*",
    "effect": "4.1.0"
  },
  "devDependencies": {
    "@apidevtools/swagger-parser": "13.1.0",
    "@kinko/sandbox-bank": "workspace:*"
  }
}
