import type { LocalizedText } from '@kinko/connector-sdk';
import type { Language } from '@kinko/domain';
import { LINK_PATHS } from './link-paths';
import { render } from './link-templates';
import { linkContentSecurityPolicy, page, textsOf } from './link-views';

/**
 * How the bank's callback ended, for a browser with no return URL to go to (a flow started
 * through the API without `redirectUri`): connected to a bank, the user declined or the bank
 * refused, or another failure with its problem's title and detail.
 */
export type ConnectResult =
  | { readonly kind: 'connected'; readonly bankName: LocalizedText }
  | { readonly kind: 'declined' | 'failed'; readonly title: string; readonly detail: string };

/** Kinko's own result page of a connect flow: needs no Link session. */
export function connectResultPage(lang: Language, result: ConnectResult): { html: string; contentSecurityPolicy: string } {
  const t = textsOf(lang);
  // The callback is single use: a language link to it again would only say the flow was used.
  const ctx = { lang, path: LINK_PATHS.root, languageSwitch: false } as const;
  const html =
    result.kind === 'connected'
      ? page(ctx, t.connectResultConnected(result.bankName[lang]), render('@message', { text: t.connectResultConnectedText }))
      : page(
          ctx,
          t.connectResultNotConnected,
          render('@fragments', {
            parts: [
              render('@message', { text: result.kind === 'declined' ? t.connectResultDeclinedText : t.connectResultFailedText }),
              render('@problem', { title: result.title, text: result.detail }),
            ],
          }),
        );
  return { html, contentSecurityPolicy: linkContentSecurityPolicy() };
}
