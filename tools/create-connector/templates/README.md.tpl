# @kinko/connector-__ID__

The connector for __NAME__ (__FLOW__ flow), made with `pnpm create-connector __ID__ --flow __FLOW__`.
How to write a connector: [the connector SDK's guide](../../packages/connector-sdk/README.md).

| Path | What it is |
| --- | --- |
| `src/manifest.ts` | what the bank can do and its limits |
| `src/schemas.ts` | the config (bank entry fields), the grant (stored encrypted), the bank's payloads |
| `src/connector.ts` | auth (begin / complete / refresh / revoke; the OAuth token and revocation calls form-encoded, RFC 6749 §4.1.3, §6), accounts, transactions |
| `src/registration.ts` | the app's registration: one connector per bank entry, named by its `bankName` |
| `test/sandbox/bank.ts` | the sandbox bank (node:http on 127.0.0.1) — make it speak your bank's API |
| `test/sandbox/kit.ts` | the kit's scenarios as sandbox users and accounts (and the spec hook: `specProblems`) |
| `test/sandbox/spec.ts` | a published spec (OpenAPI 3 / Swagger 2) as a checker of the sandbox's recorded answers; `SPEC_FILE` |
| `test/sandbox/openapi.yaml` | the generated sandbox's API — replace it with (point `SPEC_FILE` at) the bank's published spec |
| `test/conformance.test.ts` | the conformance kit against the sandbox |
| `test/registration.test.ts` | the registration: the entry's name, only the connector's fields as config |
| `test/token-endpoint.test.ts` | the sandbox's token and revocation endpoints take form bodies only (refuse JSON) |
| `test/fixtures/` | grants serialised by earlier versions (must keep decoding) |

```sh
npx tsc -p tsconfig.json --noEmit
npx eslint --max-warnings=0 src test
npx jest
```

## Bank entry

In `KINKO_BANKS`: `{ "bankId": "…", "connector": "__ID__", "bankName": "__NAME__", "baseUrl": "https://…", "clientId": "…", "clientSecret": "…" }`
(`bankName` optional, a string or `{ "ja", "en", "pl" }`, default "__NAME__"; only `baseUrl`, `clientId` and `clientSecret`
reach the connector's config). The app registers the package in `apps/api/src/connectors/registered-connectors.ts`
through `__CAMEL__Banks` (`src/registration.ts`).
