import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Language } from '@kinko/domain';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { FastifyRequest } from 'fastify';

/** The languages labels come in. */
export const LANGUAGES: readonly Language[] = ['ja', 'en', 'pl'];

/** The language when neither `?lang=` nor Accept-Language names one we have: the seed's own (Japanese). */
export const DEFAULT_LANGUAGE: Language = 'ja';

/**
 * The best of our languages for an Accept-Language header (RFC 9110: quality values,
 * `en-GB` matches `en`, `*` matches the default); undefined when none is acceptable.
 */
export function negotiateLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.tag !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranges) {
    if (r.tag === '*') return DEFAULT_LANGUAGE;
    const primary = r.tag.split('-')[0] as Language;
    if (LANGUAGES.includes(primary)) return primary;
  }
  return undefined;
}

/** A query with the optional `lang` override; query DTOs of routes with labels extend it. */
export class LanguageQuery {
  @ApiPropertyOptional({ enum: LANGUAGES, description: 'Language of labels; overrides Accept-Language (default ja).' })
  @IsOptional()
  @IsIn(LANGUAGES)
  lang?: Language;
}

/** The request's language: `?lang=`, else Accept-Language, else {@link DEFAULT_LANGUAGE}. */
export const RequestLanguage = createParamDecorator((_: unknown, ctx: ExecutionContext): Language => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  const lang = (request.query as Record<string, unknown> | undefined)?.lang;
  if (typeof lang === 'string' && (LANGUAGES as readonly string[]).includes(lang)) return lang as Language;
  const header = request.headers['accept-language'];
  return negotiateLanguage(Array.isArray(header) ? header.join(',') : header) ?? DEFAULT_LANGUAGE;
});
