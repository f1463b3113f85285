/**
 * Pages after login: the account list (standard and redesigned), an account's
 * transactions as a paged table, the "not available online" page, and settings.
 */
import type { IsoDate } from '../../calendar';
import type { LedgerEntry } from '../../generator/ledger';
import { escapeHtml, formatAmount, formatDate, formatKanjiDate, formatYen } from '../format';
import type { NetbankAccount } from '../model';
import { frame, tokenField } from './layout';

interface Customer {
  readonly bankName: string;
  readonly holderName: string;
}

/** One row of the account list: the account and its balance today (null when the bank cannot show it). */
export interface AccountRow {
  readonly account: NetbankAccount;
  readonly balance: number | null;
}

/** The account list (口座一覧) with its stable markers. */
export function accountsPage(o: Customer & { asOf: IsoDate; rows: readonly AccountRow[] }): string {
  const rows = o.rows
    .map(({ account: a, balance }) => {
      const card = a.kind === 'credit-card';
      return `<tr data-account-id="${escapeHtml(a.id)}" data-account-kind="${a.kind}">
  <td data-field="branch-code">${card ? '—' : escapeHtml(a.branchCode)}</td>
  <td data-field="branch-name">${card ? '—' : escapeHtml(a.branchName)}</td>
  <td data-field="type">${escapeHtml(a.typeLabel)}</td>
  <td data-field="number">${escapeHtml(a.displayNumber)}</td>
  <td class="num${balance !== null && balance < 0 ? ' out' : ''}" data-field="balance">${balance === null ? '----' : formatYen(balance)}</td>
  <td><a data-link="detail" href="/accounts/${encodeURIComponent(a.id)}">${card ? 'ご利用明細' : '入出金明細'}</a></td>
</tr>`;
    })
    .join('\n');
  return frame({
    bankName: o.bankName,
    title: '口座一覧',
    page: 'accounts',
    customer: { holderName: o.holderName },
    main: `
<h1>口座一覧</h1>
<p>${escapeHtml(o.holderName)} 様のご登録口座です。</p>
<p class="as-of" data-as-of="${o.asOf}">${formatKanjiDate(o.asOf)} 現在</p>
<table class="account-list" data-table="accounts">
<thead><tr><th>店番</th><th>支店名</th><th>科目</th><th>口座番号</th><th>残高</th><th>明細</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="notice">外貨預金・投資信託の残高は、インターネットバンキングではご照会いただけません。</p>`,
  });
}

/** The account list after the bank's redesign: the same data, none of the markers. */
export function redesignedAccountsPage(o: Customer & { asOf: IsoDate; rows: readonly AccountRow[] }): string {
  const cards = o.rows
    .map(
      ({ account: a, balance }) => `<article class="acct-card">
  <div class="acct-card__head">${escapeHtml(a.typeLabel)}｜${escapeHtml(a.branchName || 'カード')} ${escapeHtml(a.displayNumber)}</div>
  <div class="acct-card__amount">${balance === null ? '照会不可' : `${balance < 0 ? '-' : ''}${Math.abs(balance).toLocaleString('ja-JP')}<span>円</span>`}</div>
  <a class="acct-card__more" href="/accounts/${encodeURIComponent(a.id)}">詳しく見る ›</a>
</article>`,
    )
    .join('\n');
  return frame({
    bankName: o.bankName,
    title: 'マイページ',
    page: null,
    attributes: { class: 'nb-next' },
    customer: { holderName: o.holderName },
    head: `<style>.acct-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem}.acct-card{border:1px solid #c8d3df;border-radius:10px;padding:1rem;box-shadow:0 2px 6px rgba(0,0,0,.08)}.acct-card__amount{font-size:1.5rem;font-weight:bold;margin:.6rem 0}</style>`,
    main: `
<div id="mypage">
<h1>マイページ</h1>
<div class="welcome">ようこそ、${escapeHtml(o.holderName)} 様（${formatKanjiDate(o.asOf)} 時点）</div>
<section class="acct-grid">
${cards}
</section>
</div>`,
  });
}

/** What the detail page shows. */
export interface DetailView extends Customer {
  readonly account: NetbankAccount;
  /** Balance today. */
  readonly balance: number;
  /** The window shown (after clamping). */
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** Set when the requested start was before what the bank keeps online. */
  readonly clampedFrom?: IsoDate | undefined;
  /** The transactions of this page, oldest first. */
  readonly entries: readonly LedgerEntry[];
  /** 1-based page number, transactions in the window, page size. */
  readonly page: number;
  readonly total: number;
  readonly pageSize: number;
}

/** An account's transactions (入出金明細 / ご利用明細), one page of the window. */
export function accountDetailPage(v: DetailView): string {
  const a = v.account;
  const card = a.kind === 'credit-card';
  const first = v.total === 0 ? 0 : Math.min(v.total, (v.page - 1) * v.pageSize + 1);
  const last = Math.min(v.total, v.page * v.pageSize);
  const link = (page: number): string =>
    `/accounts/${encodeURIComponent(a.id)}?from=${v.from}&amp;to=${v.to}&amp;page=${page}`;
  const prev = v.page > 1 ? `<a rel="prev" data-nav="prev" href="${link(v.page - 1)}">« 前の${v.pageSize}件</a>` : '<span></span>';
  const next = last < v.total ? `<a rel="next" data-nav="next" href="${link(v.page + 1)}">次の${v.pageSize}件 »</a>` : '<span></span>';
  const rows = v.entries
    .map(
      (e) => `<tr data-row="transaction">
  <td data-field="date">${formatDate(e.date, a.dateStyle)}</td>
  <td data-field="description">${escapeHtml(e.description)}</td>
  <td class="num${e.amount < 0 ? ' out' : ''}" data-field="amount">${formatAmount(e.amount, a.amountStyle)}</td>
  <td class="num${e.balance < 0 ? ' out' : ''}" data-field="balance">${formatAmount(e.balance, a.amountStyle)}</td>
</tr>`,
    )
    .join('\n');
  const clamped = v.clampedFrom
    ? `<div class="notice" data-notice="period-clamped">インターネットバンキングでご照会いただける期間を超えているため、照会開始日を${formatDate(v.clampedFrom, a.dateStyle)}に変更しました。</div>`
    : '';
  const heads = card ? ['ご利用日', 'ご利用先・摘要', 'ご利用金額（円）', 'ご利用残高（円）'] : a.amountStyle === 'triangle' ? ['日付', '摘要', 'お取引金額（円）', '残高（円）'] : ['日付', '摘要', 'お取引金額', '残高'];
  const place = card ? 'クレジットカード' : `${a.branchName}（${a.branchCode}）\u3000${a.typeLabel}`;
  return frame({
    bankName: v.bankName,
    title: card ? 'ご利用明細' : '入出金明細照会',
    page: 'account-detail',
    attributes: { 'data-account-id': a.id },
    customer: { holderName: v.holderName },
    main: `
<h1>${card ? 'ご利用明細' : '入出金明細照会'}</h1>
<table class="account-summary" data-table="account-summary">
<tr><th>口座</th><td data-field="account">${escapeHtml(place)}\u3000${escapeHtml(a.displayNumber)}</td></tr>
<tr><th>口座名義</th><td data-field="holder">${escapeHtml(v.holderName)}</td></tr>
<tr><th>現在残高</th><td class="num" data-field="balance">${formatAmount(v.balance, a.amountStyle)}${a.amountStyle === 'triangle' ? '円' : ''}</td></tr>
</table>
<form name="periodForm" method="get" action="/accounts/${encodeURIComponent(a.id)}">
  <p><label for="from">照会開始日</label><input id="from" name="from" type="date" value="${v.from}">
  〜 <input id="to" name="to" type="date" value="${v.to}" aria-label="照会終了日">
  <button type="submit">照会</button></p>
</form>
${clamped}
<p class="period" data-period-from="${v.from}" data-period-to="${v.to}">照会期間：${formatDate(v.from, a.dateStyle)}〜${formatDate(v.to, a.dateStyle)}</p>
<p class="count" data-total="${v.total}" data-first="${first}" data-last="${last}">全${v.total}件中 ${first}〜${last}件目を表示</p>
<table class="transactions" data-table="transactions">
<thead><tr>${heads.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${v.total === 0 ? '<p data-empty>照会期間内のお取引はありません。</p>' : ''}
<div class="pager">${prev}${next}</div>
<p><a href="/accounts">口座一覧へ戻る</a></p>`,
  });
}

/** An account the bank lists but cannot show online (外貨預金, 投資信託). */
export function accountUnavailablePage(o: Customer & { account: NetbankAccount }): string {
  const a = o.account;
  return frame({
    bankName: o.bankName,
    title: 'ご照会いただけません',
    page: 'account-unavailable',
    attributes: { 'data-account-id': a.id },
    customer: { holderName: o.holderName },
    main: `
<h1>${escapeHtml(a.typeLabel)}</h1>
<p>${escapeHtml(a.branchName)}（${escapeHtml(a.branchCode)}）\u3000${escapeHtml(a.typeLabel)}\u3000${escapeHtml(a.displayNumber)}</p>
<div class="notice" role="alert">この口座のお取引明細・残高は、インターネットバンキングではご照会いただけません。お取引店またはお客さまサポートにお問い合わせください。（エラーコード：NB601）</div>
<p><a href="/accounts">口座一覧へ戻る</a></p>`,
  });
}

/** Settings: switching the one-time password on or off, when the persona may. */
export function settingsPage(o: Customer & { token: string; otpSwitchable: boolean; otpEnabled: boolean; saved?: boolean }): string {
  const otp = o.otpSwitchable
    ? `<form name="otpSettingsForm" method="post" action="/settings/otp">
  ${tokenField(o.token)}
  <p>ワンタイムパスワード：<strong data-otp-enabled="${o.otpEnabled}">${o.otpEnabled ? '利用する' : '利用しない'}</strong></p>
  <p><label><input type="radio" name="otp" value="on"${o.otpEnabled ? ' checked' : ''}> 利用する</label>
     <label><input type="radio" name="otp" value="off"${o.otpEnabled ? '' : ' checked'}> 利用しない</label></p>
  <p><button type="submit">変更する</button></p>
</form>`
    : '<p>変更できる設定はありません。</p>';
  return frame({
    bankName: o.bankName,
    title: '各種設定',
    page: 'settings',
    customer: { holderName: o.holderName },
    main: `
<h1>各種設定</h1>
${o.saved ? '<div class="notice">設定を変更しました。</div>' : ''}
<h2>ログイン時の追加認証</h2>
${otp}`,
  });
}
