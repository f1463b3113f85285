import { describe, expect, it } from '@jest/globals';
import { render } from './link-templates';
import { buttonForm, credentialFields, page } from './link-views';

// The Link pages go through Eta with auto-escaping (issue 16 §6): text from the tenant (its
// app name, logo URL), the bank (prompts, names) or the user (a search query) is escaped
// wherever a template prints it, in content and in attribute values; only fragments the
// templates rendered themselves are inserted as they are.

const HOSTILE = `<script>alert("x")</script>'&`;
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;';

describe('Link templates (Eta, auto-escaping)', () => {
  it('escapes text in content and attributes: the tenant name, its logo URL, the page title', () => {
    const out = page(
      { lang: 'en', path: `/link/banks?q=${encodeURIComponent(HOSTILE)}`, brand: { appName: HOSTILE, logoUrl: `https://logo.example/"onerror="x`, themed: false } },
      HOSTILE,
      render('@message', { text: HOSTILE }),
    );
    expect(out).not.toContain('<script>');
    expect(out).toContain(`<title>${ESCAPED} — Kinko bank connections</title>`);
    expect(out).toContain(`<p class="brand"><img class="logo" src="https://logo.example/&quot;onerror=&quot;x" alt="" width="32" height="32" referrerpolicy="no-referrer"> ${ESCAPED}</p>`);
    expect(out).toContain(`<h1>${ESCAPED}</h1>`);
    expect(out).toContain(`<p>${ESCAPED}</p>`);
    expect(out.startsWith('<!doctype html>')).toBe(true);
  });

  it('inserts the fragments templates rendered as they are, and escapes what goes into them', () => {
    const form = buttonForm('/link/x"y', HOSTILE, 'csrf"token');
    expect(form.html).toBe(`<form method="post" action="/link/x&quot;y" class="inline"><input type="hidden" name="_csrf" value="csrf&quot;token"><button type="submit" class="secondary">${ESCAPED}</button></form>`);
    const out = page({ lang: 'ja', path: '/link/vault' }, 'Vault', form);
    expect(out).toContain(form.html);
  });

  it('escapes a bank field label and marks the required fields', () => {
    const fields = credentialFields(
      [
        { name: 'loginId', label: { ja: 'ID', en: HOSTILE, pl: 'ID' }, secret: false },
        { name: 'password', label: { ja: 'PW', en: 'Password', pl: 'Hasło' }, secret: true },
      ],
      'en',
    );
    expect(fields.html).toContain(`<label for="cred-loginId">${ESCAPED}</label>`);
    expect(fields.html).toContain('<input id="cred-password" name="password" type="password" autocomplete="current-password" maxlength="512" required>');
  });

});
