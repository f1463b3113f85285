/**
 * The frame every net bank page shares: header with the bank's name, navigation once
 * logged in, footer. The `data-page` attribute on <body> is the stable marker a
 * connector recognises a page by; the redesigned layout leaves it out.
 */
import { escapeHtml } from '../format';

/** What the frame needs. */
export interface FrameOptions {
  /** The bank's name. */
  readonly bankName: string;
  /** Window title (the bank's name is appended). */
  readonly title: string;
  /** The page marker (`data-page`), or null for pages that deliberately have none. */
  readonly page: string | null;
  /** Extra attributes on <body> (values escaped here). */
  readonly attributes?: Readonly<Record<string, string>>;
  /** The logged-in customer, when there is one: shows the navigation. */
  readonly customer?: { readonly holderName: string } | undefined;
  /** `direct`: the "log in directly" channel for people (a banner says so). */
  readonly channel?: 'web' | 'direct';
  /** The main content (already HTML). */
  readonly main: string;
  /** Extra elements for <head>. */
  readonly head?: string;
}

const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; font-family: "Hiragino Kaku Gothic ProN", "Noto Sans JP", Meiryo, system-ui, sans-serif; color: #222; background: #f4f6f8; font-size: 15px; }
  header.site { background: #00468b; color: #fff; padding: .6rem 1.2rem; display: flex; align-items: center; justify-content: space-between; }
  header.site .brand { font-size: 1.3rem; font-weight: bold; letter-spacing: .05em; }
  header.site .brand small { font-size: .8rem; font-weight: normal; margin-left: .6rem; }
  header.site .sandbox { background: #ffcc00; color: #222; font-size: .7rem; padding: .1rem .4rem; border-radius: 3px; margin-left: .6rem; }
  header.site .customer { font-size: .85rem; }
  header.site a { color: #fff; }
  nav.global { background: #e6edf5; border-bottom: 1px solid #c8d3df; padding: .4rem 1.2rem; }
  nav.global a { margin-right: 1.4rem; color: #00468b; text-decoration: none; font-weight: bold; }
  main { max-width: 56rem; margin: 1.5rem auto; background: #fff; padding: 1.2rem 1.6rem 2rem; border: 1px solid #d5dde6; }
  h1 { font-size: 1.25rem; border-left: 6px solid #00468b; padding-left: .6rem; margin-top: 0; }
  h2 { font-size: 1.05rem; color: #00468b; }
  .notice { background: #fff8e1; border: 1px solid #f0c36d; padding: .7rem 1rem; margin: 1rem 0; }
  .alert { background: #fdecea; border: 1px solid #e57373; color: #b71c1c; padding: .7rem 1rem; margin: 1rem 0; }
  .direct { background: #e8f5e9; border: 1px solid #81c784; padding: .5rem 1rem; margin-bottom: 1rem; }
  form p { margin: .6rem 0; }
  label { display: inline-block; min-width: 9rem; }
  input[type=text], input[type=password], input[type=date] { padding: .35rem; font-size: 1rem; border: 1px solid #aab; }
  button, .button { background: #00468b; color: #fff; border: 0; padding: .5rem 1.4rem; font-size: 1rem; cursor: pointer; text-decoration: none; display: inline-block; }
  button.secondary { background: #889; }
  table { border-collapse: collapse; width: 100%; margin: .8rem 0; }
  th, td { border: 1px solid #c8d3df; padding: .35rem .5rem; }
  th { background: #e6edf5; font-weight: normal; }
  td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  td.out { color: #b71c1c; }
  .pager { display: flex; justify-content: space-between; margin-top: .6rem; }
  footer.site { text-align: center; font-size: .75rem; color: #667; margin: 2rem 0; }
  fieldset { border: 1px solid #c8d3df; margin: 1rem 0; }
  .question { font-size: 1.1rem; font-weight: bold; margin: 1rem 0; }
`;

/** Renders a full page. */
export function frame(o: FrameOptions): string {
  const attrs = { ...(o.page === null ? {} : { 'data-page': o.page }), ...o.attributes };
  const bodyAttrs = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  const customer = o.customer
    ? `<div class="customer">${escapeHtml(o.customer.holderName)} 様\u3000<a href="/logout">ログアウト</a></div>`
    : '<div class="customer">お客さまサポート　0120-000-000（平日 9:00〜17:00）</div>';
  const nav = o.customer
    ? `<nav class="global"><a href="/accounts">口座一覧</a><a href="/accounts">入出金明細</a><a href="/settings">各種設定</a><a href="/logout">ログアウト</a></nav>`
    : '';
  const direct =
    o.channel === 'direct'
      ? '<div class="direct">お客さまご本人による直接ログイン（ブラウザでのお手続き用）です。</div>'
      : '';
  return `<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}｜${escapeHtml(o.bankName)} インターネットバンキング</title>
<style>${STYLE}</style>
${o.head ?? ''}
</head>
<body${bodyAttrs}>
<header class="site"><div class="brand">${escapeHtml(o.bankName)}<small>インターネットバンキング</small><span class="sandbox">SANDBOX</span></div>${customer}</header>
${nav}
<main>
${direct}${o.main}
</main>
<footer class="site">Copyright © ${escapeHtml(o.bankName)}. All Rights Reserved.\u3000このサイトは Kinko のテスト用サンドボックスです。実在の銀行とは関係ありません。</footer>
</body>
</html>
`;
}

/** A hidden form field carrying the session's form token. */
export function tokenField(token: string): string {
  return `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
}
