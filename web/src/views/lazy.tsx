import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Spinner } from '../components/ui';

/**
 * A view whose code is fetched the first time it is shown. Terminal and replay carry xterm.js
 * (most of the bundle's weight), so the task and session pages load without it.
 */
export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>, label: string): ComponentType<P> {
  let cached: ComponentType<P> | null = null;
  return function LazyView(props: P) {
    const [Comp, setComp] = useState<ComponentType<P> | null>(() => cached);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => {
      if (Comp) return;
      load()
        .then((c) => {
          cached = c;
          setComp(() => c);
        })
        .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    }, []);
    if (error) return <p class="error-text" role="alert">Could not load this view: {error}. Reload the page.</p>;
    return Comp ? <Comp {...props} /> : <Spinner label={label} />;
  };
}
