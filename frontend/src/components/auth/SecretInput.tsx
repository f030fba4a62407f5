import { PasswordInput, type PasswordInputProps } from '@mantine/core';
import { useState, type Ref } from 'react';

/**
 * A password field whose show/hide button has a name and can be reached with Tab (Mantine's has
 * neither by default).
 */
export function SecretInput({ ref, ...props }: PasswordInputProps & { ref?: Ref<HTMLInputElement> }) {
  const [visible, setVisible] = useState(false);
  return (
    <PasswordInput
      {...props}
      ref={ref}
      visible={visible}
      onVisibilityChange={setVisible}
      visibilityToggleButtonProps={{ 'aria-label': visible ? 'Hide password' : 'Show password', tabIndex: 0 }}
    />
  );
}
