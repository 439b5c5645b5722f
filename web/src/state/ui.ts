// Dialogs and toasts: what opens over the page and the short messages in its corner.
import { getState, setState, type DialogState, type Toast } from './container';

export const openDialog = (dialog: DialogState) => setState({ dialog, paletteOpen: false });
export const closeDialog = () => setState({ dialog: null });

let toastSeq = 0;
export function toast(kind: Toast['kind'], message: string, ms = kind === 'error' ? 7000 : 3500): void {
  // A request refused for want of a login already brought up the sign-in screen: no toast for it.
  if (getState().auth === 'required') return;
  const id = ++toastSeq;
  setState((s) => ({ toasts: [...s.toasts.slice(-3), { id, kind, message }] }));
  setTimeout(() => dismissToast(id), ms);
}
export const dismissToast = (id: number) => setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
