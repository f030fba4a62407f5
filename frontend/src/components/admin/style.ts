import type { CSSProperties } from 'react';

/** A badge in a table cell never narrower than its word ("ACTI…" beside a cell of nowrap buttons). */
export const FULL_WIDTH: CSSProperties = { minWidth: 'max-content' };
