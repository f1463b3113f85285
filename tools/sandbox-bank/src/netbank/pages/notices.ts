/**
 * Pages that stop a login or a visit: maintenance, double login, lockouts, new terms,
 * system error, expired session, logout, not found. Each carries its `data-page` marker.
 */
import { escapeHtml } from '../format';
import { frame, tokenField } from './layout';
import { loginPath, type Channel } from './login';

interface Base {
  readonly bankName: string;
  readonly channel?: Channel;
}

/** Maintenance (サービス時間外). `until` is the end as the bank writes it, when known. */
export function maintenancePage(o: Base & { until?: string | undefined }): string {
  const until = o.until ? `<p>再開予定：<strong data-maintenance-until>${escapeHtml(o.until)}</strong></p>` : '';
  return frame({
    bankName: o.bankName,
    title: 'システムメンテナンス中',
    page: 'maintenance',
    channel: o.channel ?? 'web',
    main: `
<h1>ただいまシステムメンテナンス中です</h1>
<div class="notice">現在、システムメンテナンスのためインターネットバンキングをご利用いただけません。ご不便をおかけして申し訳ございません。</div>
${until}
<p>メンテナンス終了後に、あらためてご利用ください。</p>`,
  });
}

/** 二重ログイン: the user is logged in elsewhere. */
export function doubleLoginPage(o: Base): string {
  return frame({
    bankName: o.bankName,
    title: '二重ログイン',
    page: 'double-login',
    channel: o.channel ?? 'web',
    main: `
<h1>二重ログインを検知しました</h1>
<div class="alert" role="alert">お客さまは既に別の画面（または別の端末）からログインしています。二重ログインはできません。（エラーコード：NB201）</div>
<p>ご利用中の画面で「ログアウト」を押してから、あらためてログインしてください。ログアウトせずに画面を閉じた場合は、しばらく時間をおいてからログインしてください。</p>
<p><a class="button" href="${loginPath(o.channel ?? 'web')}">ログイン画面へ</a></p>`,
  });
}

/** 一時的にロック: too many logins in a short time. */
export function lockedTemporaryPage(o: Base & { until: string; untilIso: string }): string {
  return frame({
    bankName: o.bankName,
    title: '一時的にご利用いただけません',
    page: 'locked-temporary',
    attributes: { 'data-locked-until': o.untilIso },
    channel: o.channel ?? 'web',
    main: `
<h1>一時的にロックされています</h1>
<div class="alert" role="alert">短時間に複数回のログインがあったため、安全のためお取引を一時的にロックしました。（エラーコード：NB301）</div>
<p><strong>${escapeHtml(o.until)}</strong> 以降に、あらためてログインしてください。</p>`,
  });
}

/** ロックされています: locked until the customer calls the bank. */
export function lockedPermanentPage(o: Base): string {
  return frame({
    bankName: o.bankName,
    title: 'ご利用いただけません',
    page: 'locked-permanent',
    channel: o.channel ?? 'web',
    main: `
<h1>ロックされています</h1>
<div class="alert" role="alert">ロックされています。お問い合わせください。（エラーコード：NB302）</div>
<p>パスワードを所定の回数以上誤って入力されたため、インターネットバンキングのご利用を停止しています。ロックの解除には、お客さまサポート（0120-000-000）までお問い合わせください。</p>`,
  });
}

/** New terms: on the ordinary entrance, only a pointer to "log in directly"; there, the accept button. */
export function termsPage(o: Base & { channel: Channel; token: string; refused?: boolean }): string {
  const terms = `
<div class="notice" style="max-height: 12rem; overflow: auto">
<p><strong>インターネットバンキング利用規定（2026年改定版）</strong></p>
<p>第1条（適用範囲）この規定は、当行のインターネットバンキングサービスのご利用について定めるものです。</p>
<p>第2条（本人確認）当行は、ログインID、パスワード、ワンタイムパスワード等により本人確認を行います。</p>
<p>第3条（第三者サービス）お客さまが第三者の家計簿サービス等にログイン情報を登録する場合、その管理はお客さまの責任で行ってください。</p>
<p>第4条（規定の変更）当行は、必要に応じてこの規定を変更することがあります。</p>
</div>`;
  const action =
    o.channel === 'direct'
      ? `<form name="termsForm" method="post" action="/terms/accept">
  ${tokenField(o.token)}
  <p><label><input type="checkbox" name="agree" value="yes" required> 上記の規定に同意します</label></p>
  <p><button type="submit">同意して次へ</button></p>
</form>`
      : `<div class="alert" role="alert">規定へのご同意が必要です。お手数ですが、お客さまご本人が<a href="/direct/login">直接ログイン</a>のうえ、ご同意ください。ご同意いただくまで、お取引・ご照会はご利用いただけません。（エラーコード：NB401）</div>`;
  const refused = o.refused ? '<div class="alert" role="alert">この画面からは同意のお手続きができません。</div>' : '';
  return frame({
    bankName: o.bankName,
    title: '利用規定改定のお知らせ',
    page: 'terms',
    channel: o.channel,
    main: `
<h1>利用規定改定のお知らせ</h1>
<p>インターネットバンキング利用規定を改定しました。引き続きご利用いただくには、改定後の規定へのご同意が必要です。</p>
${refused}${terms}
${action}`,
  });
}

/** A 500 システムエラー page. */
export function systemErrorPage(o: Base): string {
  return frame({
    bankName: o.bankName,
    title: 'システムエラー',
    page: 'system-error',
    channel: o.channel ?? 'web',
    main: `
<h1>システムエラー</h1>
<div class="alert" role="alert">ただいま大変混み合っているか、システムエラーが発生しました。しばらくしてから再度お試しください。（エラーコード：NB500）</div>`,
  });
}

/** The session ended (timed out, logged out, or never existed). */
export function sessionExpiredPage(o: Base): string {
  return frame({
    bankName: o.bankName,
    title: 'セッションが無効です',
    page: 'session-expired',
    channel: o.channel ?? 'web',
    main: `
<h1>セッションの有効期限が切れました</h1>
<div class="notice">一定時間操作がなかったか、ログアウトされたため、お取引を終了しました。</div>
<p><a class="button" href="${loginPath(o.channel ?? 'web')}">ログイン画面へ</a></p>`,
  });
}

/** Logged out. */
export function logoutPage(o: Base): string {
  return frame({
    bankName: o.bankName,
    title: 'ログアウト',
    page: 'logout',
    main: `
<h1>ログアウトしました</h1>
<p>ご利用ありがとうございました。</p>
<p><a class="button" href="/login">ログイン画面へ</a></p>`,
  });
}

/** Unknown page or account. */
export function notFoundPage(o: Base): string {
  return frame({
    bankName: o.bankName,
    title: 'ページが見つかりません',
    page: 'not-found',
    main: `
<h1>お探しのページが見つかりません</h1>
<p>指定された口座またはページは存在しないか、現在ご利用いただけません。</p>
<p><a href="/accounts">口座一覧へ戻る</a></p>`,
  });
}

/** A request the bank cannot read (a malformed date, a form without its token…). */
export function inputErrorPage(o: Base & { message: string; customer?: { holderName: string } | undefined }): string {
  return frame({
    bankName: o.bankName,
    title: '入力内容に誤りがあります',
    page: 'input-error',
    customer: o.customer,
    main: `
<h1>入力内容に誤りがあります</h1>
<div class="alert" role="alert">${escapeHtml(o.message)}</div>
<p><a href="javascript:history.back()">前の画面へ戻る</a></p>`,
  });
}
