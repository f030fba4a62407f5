/** The app's mark (decorative: the name is always written beside it). */
export function Logo({ size = 26 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden>
      <rect width="32" height="32" rx="6" fill="var(--mantine-color-blue-6)" />
      <path d="M9 21h14M16 8v10m-5-5 5 5 5-5" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
