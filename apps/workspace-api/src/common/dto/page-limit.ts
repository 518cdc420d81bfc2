import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** How many items a paged list returns unless `limit` says otherwise. */
export const DEFAULT_PAGE_LIMIT = 50;
const MAX_PAGE_LIMIT = 200;

/** The `limit` query field of a paged list (history, inbox): a whole number from 1 to 200. */
export function PageLimit(): PropertyDecorator {
  // In the order stacked decorators would run (bottom-up), so the first failing rule is the one reported.
  return applyDecorators(
    IsInt({ message: 'limit must be a whole number' }),
    Min(1),
    Max(MAX_PAGE_LIMIT),
    Type(() => Number),
    IsOptional(),
    ApiPropertyOptional({ type: 'integer', default: DEFAULT_PAGE_LIMIT, minimum: 1, maximum: MAX_PAGE_LIMIT }),
  );
}
