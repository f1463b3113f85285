# The sandbox's data API as generated (test/sandbox/bank.ts), so that the conformance kit's
# sandbox-matches-spec checks its answers from the start. Replace it with the bank's published
# spec (SPEC_FILE in spec.ts) as you make the sandbox speak the bank's API.
openapi: 3.1.0
info:
  title: __NAME__ sandbox (as generated)
  version: 0.1.0
paths:
  /accounts:
    get:
      parameters:
        - { name: limit, in: query, schema: { type: string } }
        - { name: cursor, in: query, schema: { type: string } }
      responses:
        '200':
          description: a page of accounts
          content:
            application/json:
              schema:
                type: object
                required: [accounts, next]
                properties:
                  accounts: { type: array, items: { $ref: '#/components/schemas/Account' } }
                  next: { type: [string, 'null'] }
        '401': { $ref: '#/components/responses/Error' }
  /accounts/{accountId}/transactions:
    get:
      parameters:
        - { name: accountId, in: path, required: true, schema: { type: string } }
        - { name: status, in: query, required: true, schema: { type: string, enum: [booked, pending] } }
        - { name: from, in: query, required: true, schema: { type: string, format: date } }
        - { name: to, in: query, required: true, schema: { type: string, format: date } }
        - { name: limit, in: query, schema: { type: string } }
        - { name: cursor, in: query, schema: { type: string } }
      responses:
        '200':
          description: a page of transactions
          content:
            application/json:
              schema:
                type: object
                required: [transactions, next]
                properties:
                  transactions: { type: array, items: { $ref: '#/components/schemas/Transaction' } }
                  next: { type: [string, 'null'] }
        '400': { $ref: '#/components/responses/Error' }
        '401': { $ref: '#/components/responses/Error' }
        '404': { $ref: '#/components/responses/Error' }
components:
  responses:
    Error:
      description: the bank's error
      content:
        application/json:
          schema: { type: object, required: [error], properties: { error: { type: string } } }
  schemas:
    Account:
      type: object
      additionalProperties: false
      required: [id, number, name, currency]
      properties:
        id: { type: string, minLength: 1 }
        number: { type: string }
        name: { type: string }
        currency: { type: string, pattern: '^[A-Z]{3}$' }
    Transaction:
      type: object
      additionalProperties: false
      required: [id, status, date, amountMinor, currency, description]
      properties:
        id: { type: string, minLength: 1 }
        status: { type: string, enum: [booked, pending] }
        date: { type: string, format: date }
        amountMinor: { type: string, pattern: '^-?\d+$' }
        currency: { type: string, pattern: '^[A-Z]{3}$' }
        description: { type: string }
        reference: { type: string }
