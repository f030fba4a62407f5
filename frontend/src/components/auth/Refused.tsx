import { Tooltip } from '@mantine/core';
import { cloneElement, useId, type MouseEvent, type ReactElement } from 'react';

/**
 * A control the signed-in role may not use: shown, but disabled, with the reason in a tooltip
 * (hover, keyboard focus, touch) and as its accessible description, so that screen readers say
 * why. `aria-disabled` rather than `disabled`: a disabled button takes no focus, so a keyboard
 * user would never reach the reason. The child is a Mantine Button or ActionIcon (both style
 * `data-disabled` as disabled).
 */
export function Refused({ reason, children }: { reason: string; children: ReactElement<Record<string, unknown>> }) {
  const id = useId();
  return (
    <>
      <Tooltip label={reason} multiline maw={300} withArrow events={{ hover: true, focus: true, touch: true }}>
        {cloneElement(children, {
          'data-disabled': true,
          'aria-disabled': true,
          'aria-describedby': id,
          'data-refused': true,
          onClick: (event: MouseEvent) => event.preventDefault(),
        })}
      </Tooltip>
      <span id={id} hidden>
        {reason}
      </span>
    </>
  );
}

/** `children` as it is when `refusal` is null, else refused with that reason. */
export function MaybeRefused({ refusal, children }: { refusal: string | null; children: ReactElement<Record<string, unknown>> }) {
  return refusal ? <Refused reason={refusal}>{children}</Refused> : children;
}
