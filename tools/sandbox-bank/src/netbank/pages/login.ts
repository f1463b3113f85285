/**
 * Login pages: the login form (user id, or branch code + account number, and password),
 * the challenge pages that may follow it (secret question, OTP, CAPTCHA, puzzle) and the
 * page a failed login ends on. Markers: `data-page` on <body>, a named form per step.
 */
import { escapeHtml } from '../format';
import { PUZZLE_PICTURE_HEIGHT, PUZZLE_PIECE, PUZZLE_RULER_HEIGHT, PUZZLE_WIDTH } from '../images';
import { frame, tokenField } from './layout';

/** Which login entrance a page belongs to: the ordinary one, or "log in directly" for people. */
export type Channel = 'web' | 'direct';

/** The login form's path for a channel. */
export function loginPath(channel: Channel): string {
  return channel === 'direct' ? '/direct/login' : '/login';
}

/** Why a login failed. */
export type LoginFailure = 'credentials' | 'security' | 'otp' | 'captcha' | 'puzzle';

/** The login form. */
export function loginPage(o: { bankName: string; token: string; channel: Channel; notice?: string }): string {
  const notice = o.notice ? `<div class="notice">${escapeHtml(o.notice)}</div>` : '';
  return frame({
    bankName: o.bankName,
    title: 'ログイン',
    page: 'login',
    channel: o.channel,
    main: `
<h1>インターネットバンキング ログイン</h1>
${notice}
<div class="notice">【重要】当行を装った不審なメールにご注意ください。当行からメールでパスワードをお尋ねすることはありません。</div>
<form name="loginForm" method="post" action="${loginPath(o.channel)}" autocomplete="off">
  ${tokenField(o.token)}
  <fieldset>
    <legend><label><input type="radio" name="loginType" value="id" checked> ログインIDでログイン</label></legend>
    <p><label for="userId">ログインID</label><input id="userId" name="userId" type="text" autocomplete="username"></p>
  </fieldset>
  <fieldset>
    <legend><label><input type="radio" name="loginType" value="account"> 店番・口座番号でログイン</label></legend>
    <p><label for="branchCode">店番（3桁）</label><input id="branchCode" name="branchCode" type="text" inputmode="numeric" maxlength="3" size="4"></p>
    <p><label for="accountNumber">口座番号（7桁）</label><input id="accountNumber" name="accountNumber" type="text" inputmode="numeric" maxlength="7" size="8"></p>
  </fieldset>
  <p><label for="password">ログインパスワード</label><input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">ログイン</button></p>
</form>
<p><a href="/direct/login">ご本人さまによる直接ログイン（規約への同意など）はこちら</a></p>`,
  });
}

/** The secret-question page. */
export function securityPage(o: { bankName: string; token: string; channel: Channel; question: string }): string {
  return frame({
    bankName: o.bankName,
    title: '合言葉認証',
    page: 'security',
    channel: o.channel,
    main: `
<h1>合言葉認証</h1>
<p>ご本人さま確認のため、ご登録の合言葉を入力してください。</p>
<form name="securityForm" method="post" action="/login/security" autocomplete="off">
  ${tokenField(o.token)}
  <p class="question" data-question>質問：${escapeHtml(o.question)}</p>
  <p><label for="answer">合言葉</label><input id="answer" name="answer" type="text" required autofocus></p>
  <p><button type="submit">次へ</button></p>
</form>`,
  });
}

/** The one-time password page. */
export function otpPage(o: { bankName: string; token: string; channel: Channel }): string {
  return frame({
    bankName: o.bankName,
    title: 'ワンタイムパスワード',
    page: 'otp',
    channel: o.channel,
    main: `
<h1>ワンタイムパスワード認証</h1>
<p>ご登録のトークン（またはメール）に表示されたワンタイムパスワード（6桁）を入力してください。</p>
<form name="otpForm" method="post" action="/login/otp" autocomplete="off">
  ${tokenField(o.token)}
  <p><label for="otp">ワンタイムパスワード</label><input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus></p>
  <p><button type="submit">認証する</button></p>
</form>`,
  });
}

/** The image CAPTCHA page; the answer is in the image only. */
export function captchaPage(o: { bankName: string; token: string; channel: Channel; imageUrl: string }): string {
  return frame({
    bankName: o.bankName,
    title: '画像認証',
    page: 'captcha',
    channel: o.channel,
    main: `
<h1>画像認証</h1>
<p>セキュリティ強化のため、画像に表示されている英数字（5文字）を入力してください。大文字・小文字は区別しません。</p>
<form name="captchaForm" method="post" action="/login/captcha" autocomplete="off">
  ${tokenField(o.token)}
  <p><img data-captcha-image src="${escapeHtml(o.imageUrl)}" alt="画像認証用の文字" width="200" height="70"></p>
  <p><label for="captcha">画像の文字</label><input id="captcha" name="captcha" type="text" required autofocus></p>
  <p><button type="submit">認証する</button></p>
</form>`,
  });
}

/** The slider puzzle: the piece moves with the slider (JavaScript); without it, read the ruler and type the number. */
export function puzzlePage(o: { bankName: string; token: string; channel: Channel; pictureUrl: string; pieceUrl: string; pieceTop: number }): string {
  const max = PUZZLE_WIDTH - PUZZLE_PIECE;
  return frame({
    bankName: o.bankName,
    title: 'パズル認証',
    page: 'puzzle',
    channel: o.channel,
    head: `<style>
  .puzzle-track { position: relative; width: ${PUZZLE_WIDTH}px; height: ${PUZZLE_PICTURE_HEIGHT + PUZZLE_RULER_HEIGHT}px; }
  .puzzle-track img.picture { position: absolute; left: 0; top: 0; }
  .puzzle-track img.piece { position: absolute; left: 0; top: ${o.pieceTop}px; box-shadow: 0 0 6px rgba(0,0,0,.6); }
  input[type=range] { width: ${PUZZLE_WIDTH}px; }
</style>`,
    main: `
<h1>パズル認証</h1>
<p>スライダーを動かして、ピースを画像のくぼみにぴったり合わせてから「認証する」を押してください。</p>
<form name="puzzleForm" method="post" action="/login/puzzle" autocomplete="off">
  ${tokenField(o.token)}
  <div class="puzzle-track">
    <img class="picture" data-puzzle-image src="${escapeHtml(o.pictureUrl)}" alt="パズル画像" width="${PUZZLE_WIDTH}" height="${PUZZLE_PICTURE_HEIGHT + PUZZLE_RULER_HEIGHT}">
    <img class="piece" id="piece" data-puzzle-piece src="${escapeHtml(o.pieceUrl)}" alt="ピース" width="${PUZZLE_PIECE}" height="${PUZZLE_PIECE}">
  </div>
  <p><input id="slider" type="range" min="0" max="${max}" value="0" aria-label="ピースの位置"></p>
  <p><label for="offset">位置（ものさしの目盛り）</label><input id="offset" name="offset" type="text" inputmode="numeric" value="0" size="5" required></p>
  <p><button type="submit">認証する</button></p>
</form>
<script>
(function () {
  var slider = document.getElementById('slider');
  var offset = document.getElementById('offset');
  var piece = document.getElementById('piece');
  function show(v) { piece.style.left = v + 'px'; }
  slider.addEventListener('input', function () { offset.value = slider.value; show(slider.value); });
  offset.addEventListener('input', function () { var v = parseInt(offset.value, 10); if (!isNaN(v)) { slider.value = v; show(v); } });
})();
</script>`,
  });
}

const FAILURE_TEXT: Record<LoginFailure, { title: string; wrong: string; late: string }> = {
  credentials: { title: 'ログインできませんでした', wrong: 'ログインIDまたはパスワードが正しくありません。', late: 'ログインIDまたはパスワードが正しくありません。' },
  security: { title: '合言葉認証エラー', wrong: '合言葉が正しくありません。', late: '合言葉の入力期限が切れました。' },
  otp: { title: 'ワンタイムパスワード認証エラー', wrong: 'ワンタイムパスワードが正しくありません。', late: 'ワンタイムパスワードの有効期限が切れました。' },
  captcha: { title: '画像認証エラー', wrong: '画像認証の文字が正しくありません。', late: '画像認証の有効期限が切れました。' },
  puzzle: { title: 'パズル認証エラー', wrong: 'パズル認証に失敗しました。', late: 'パズル認証の有効期限が切れました。' },
};

/** The page a failed login step ends on: `data-error` says which step, `data-timeout` whether it was too late. */
export function loginErrorPage(o: { bankName: string; channel: Channel; failure: LoginFailure; timedOut: boolean; attemptsLeft?: number | undefined }): string {
  const text = FAILURE_TEXT[o.failure];
  const left =
    o.attemptsLeft !== undefined
      ? `<p>あと${o.attemptsLeft}回続けて誤ると、インターネットバンキングをご利用いただけなくなります。</p>`
      : '';
  return frame({
    bankName: o.bankName,
    title: text.title,
    page: 'login-error',
    attributes: { 'data-error': o.failure, 'data-timeout': String(o.timedOut) },
    channel: o.channel,
    main: `
<h1>${escapeHtml(text.title)}</h1>
<div class="alert" role="alert">${escapeHtml(o.timedOut ? text.late : text.wrong)}（エラーコード：NB${errorCode(o.failure, o.timedOut)}）</div>
${left}
<p>お手数ですが、もう一度最初からログインしてください。</p>
<p><a class="button" href="${loginPath(o.channel)}">ログイン画面へ</a></p>`,
  });
}

function errorCode(failure: LoginFailure, timedOut: boolean): string {
  const base = { credentials: 101, security: 111, otp: 121, captcha: 131, puzzle: 141 }[failure];
  return String(base + (timedOut ? 1 : 0));
}
