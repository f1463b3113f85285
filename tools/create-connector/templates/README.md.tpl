# @kinko/connector-__ID__

The connector for __NAME__ (__FLOW__ flow), made with `pnpm create-connector __ID__ --flow __FLOW__`.
How to write a connector: [the connector SDK's guide](../../packages/connector-sdk/README.md).

| Path | What it is |
| --- | --- |
| `src/manifest.ts` | what the bank can do and its limits |
| `src/schemas.ts` | the config (bank entry fields), the grant (stored encrypted), the bank's payloads |
| `src/connector.ts` | auth (begin / complete / refresh / revoke), accounts, transactions |
| `test/sandbox/bank.ts` | the sandbox bank (node:http on 127.0.0.1) — make it speak your bank's API |
| `test/sandbox/kit.ts` | the kit's scenarios as sandbox users and accounts (and the spec hook: `specProblems`) |
| `test/sandbox/spec.ts` | a published spec (OpenAPI 3 / Swagger 2) as a checker of the sandbox's recorded answers; `SPEC_FILE` |
| `test/sandbox/openapi.yaml` | the generated sandbox's API — replace it with (point `SPEC_FILE` at) the bank's published spec |
| `test/conformance.test.ts` | the conformance kit against the sandbox |
| `test/fixtures/` | grants serialised by earlier versions (must keep decoding) |

```sh
npx tsc -p tsconfig.json --noEmit
npx eslint --max-warnings=0 src test
npx jest test/conformance.test.ts
```

## Bank entry

In `KINKO_BANKS`: `{ "bankId": "…", "connector": "__ID__", "baseUrl": "https://…", "clientId": "…", "clientSecret": "…" }`
(registered in `apps/api/src/connectors/registered-connectors.ts`).
